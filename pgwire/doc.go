// Package pgwire serves an Eddy engine over the PostgreSQL wire protocol
// (version 3), so that psql, pgx, database/sql, psycopg2 and other Postgres
// clients can talk to it. It is built on github.com/jackc/pgx/v5/pgproto3.
//
// What it speaks:
//
//   - Startup: SSLRequest (answered 'N', or TLS when Config.TLSConfig is
//     set), GSSENCRequest (always 'N'), StartupMessage with the user,
//     database, application_name and "options" (-c name=value) parameters,
//     then ParameterStatus messages and BackendKeyData.
//   - Authentication: trust, cleartext password, or SCRAM-SHA-256 against a
//     UserStore (see Auth and UserStore).
//   - The simple query protocol, with several statements per query string
//     (execution stops at the first error), EmptyQueryResponse and
//     NoticeResponse for Result.Notices.
//   - The extended query protocol: Parse, Bind, Describe (statement and
//     portal), Execute with a row limit (PortalSuspended), Close, Flush and
//     Sync, with text or binary parameters and results per column. After an
//     error, messages are skipped until Sync.
//   - CancelRequest (by process ID and secret key) and statement_timeout
//     (SET statement_timeout = '1s'): both cancel the statement's context
//     and answer 57014.
//
// # Parameters of prepared statements
//
// The engine has no prepared-statement API yet, so $n parameters are
// substituted into the SQL text as literals at Bind time, outside quotes
// and comments. A parameter whose type the client gave in Parse becomes a
// typed literal ('…'::type, or a bare number for integer types); an untyped
// one (OID 0, which is what ParameterDescription reports for it) becomes a
// quoted string literal of type unknown, which the engine coerces to the
// type the context needs, as Postgres does for '…' literals. Binary
// parameters are decoded first (bool, int2/4/8, float4/8, numeric, text,
// bytea, date, time, timestamp(tz), interval, jsonb, and arrays of these).
//
// # Describing results without running the statement
//
// When the engine implements Describer, Describe of a statement asks it for
// the result columns and parameter types. Otherwise a statement that
// returns rows (SELECT, VALUES, WITH, SHOW, DESCRIBE, EXPLAIN) is run once
// with NULL parameters to learn its columns, and Describe of a portal runs
// the portal's statement and keeps the result for the Execute that follows.
//
// # COPY
//
// COPY is handled here, in the simple query protocol (as psql and pgx send
// it): COPY t [(cols)] FROM STDIN in the text, CSV and binary formats
// (HEADER, DELIMITER, NULL, QUOTE, ESCAPE, FORCE_QUOTE, FORCE_NOT_NULL,
// FORCE_NULL; the option list or the older
// word syntax that psql's \copy passes on), and COPY t [(cols)] | (query)
// TO STDOUT in the same formats. COPY FROM parses and checks every row
// against the column types as the CopyData messages arrive and keeps the
// rows. A bad row ends the COPY at once with SQLSTATE 22P02 or 22P04 and a
// CONTEXT line naming the line and column; nothing is applied, and the
// client's remaining CopyData are ignored, as in Postgres. CopyFail answers
// 57014. At CopyDone the rows go in as INSERT … VALUES statements of 1,000
// rows, which upsert on the primary key. An engine error in a later batch leaves the
// earlier batches applied (the error's detail says how many rows). Files
// and programs on the server (COPY … FROM 'file') are not supported.
//
// # Users
//
// CREATE USER / CREATE ROLE, ALTER USER / ALTER ROLE … PASSWORD and DROP
// USER / DROP ROLE are handled here, before the engine sees the statement,
// against the server's UserStore; passwords are kept as SCRAM-SHA-256
// verifiers. A FileUserStore persists them to a JSON file (eddy serve puts
// it in the data directory); persisting users in the engine's catalog is
// left for when the engine exposes one.
package pgwire
