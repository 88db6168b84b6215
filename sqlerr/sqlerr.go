// Package sqlerr carries SQLSTATE-coded errors from where they arise to the
// wire. Errors are created with New or Wrap close to their cause; pgwire
// calls Code and As once to build an ErrorResponse.
package sqlerr

import (
	"errors"
	"fmt"
)

// SQLSTATE codes used across Eddy (the Postgres names, in CamelCase).
const (
	SuccessfulCompletion         = "00000"
	Warning                      = "01000"
	FeatureNotSupported          = "0A000"
	CardinalityViolation         = "21000"
	DataException                = "22000"
	StringDataRightTruncation    = "22001"
	NumericValueOutOfRange       = "22003"
	NullValueNotAllowed          = "22004"
	InvalidDatetimeFormat        = "22007"
	DatetimeFieldOverflow        = "22008"
	DivisionByZero               = "22012"
	InvalidParameterValue        = "22023"
	InvalidTextRepresentation    = "22P02"
	InvalidRegularExpression     = "2201B"
	ArraySubscriptError          = "2202E"
	IntegrityConstraint          = "23000"
	NotNullViolation             = "23502"
	UniqueViolation              = "23505"
	InvalidSQLStatementName      = "26000"
	InvalidAuthorization         = "28000"
	InvalidPassword              = "28P01"
	InvalidTransactionState      = "25000"
	SyntaxError                  = "42601"
	InsufficientPrivilege        = "42501"
	UndefinedColumn              = "42703"
	UndefinedFunction            = "42883"
	UndefinedTable               = "42P01"
	UndefinedObject              = "42704"
	UndefinedParameter           = "42P02"
	DuplicateTable               = "42P07"
	DuplicateObject              = "42710"
	DuplicateColumn              = "42701"
	AmbiguousColumn              = "42702"
	AmbiguousFunction            = "42725"
	DuplicateFunction            = "42723"
	DuplicateSchema              = "42P06"
	UndefinedSchema              = "3F000"
	InvalidFunctionDefinition    = "42P13"
	GroupingError                = "42803"
	WindowingError               = "42P20"
	DatatypeMismatch             = "42804"
	CannotCoerce                 = "42846"
	InvalidColumnReference       = "42P10"
	WrongObjectType              = "42809"
	InvalidObjectDefinition      = "42P17"
	DependentObjectsStillExist   = "2BP01"
	ProgramLimitExceeded         = "54000"
	StatementTooComplex          = "54001"
	QueryCanceled                = "57014"
	AdminShutdown                = "57P01"
	ProtocolViolation            = "08P01"
	ConnectionException          = "08000"
	InternalError                = "XX000"
	ObjectNotInPrerequisiteState = "55000"
	ConfigFileError              = "F0000"
	IOError                      = "58030"
)

// Error is a SQL error with its SQLSTATE and the fields an ErrorResponse
// carries. Position is 1-based in characters of the statement text, 0 when
// unknown.
type Error struct {
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int
	Severity string // "ERROR" unless set
	cause    error
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the wrapped cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// New creates an error with a code and a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap gives err a code unless it already has one; the message is err's.
func Wrap(err error, code string) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	return &Error{Code: code, Message: err.Error(), cause: err}
}

// WithHint returns e with its hint set.
func (e *Error) WithHint(hint string) *Error { e.Hint = hint; return e }

// WithDetail returns e with its detail set.
func (e *Error) WithDetail(detail string) *Error { e.Detail = detail; return e }

// WithPosition returns e with its position set.
func (e *Error) WithPosition(pos int) *Error { e.Position = pos; return e }

// Code returns the SQLSTATE of err: the code of the first *Error along its
// chain, or XX000 (internal error) when there is none.
func Code(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return se.Code
	}
	return InternalError
}

// As returns the *Error along err's chain, or a new internal error that
// carries err's message.
func As(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{Code: InternalError, Message: err.Error(), cause: err}
}
