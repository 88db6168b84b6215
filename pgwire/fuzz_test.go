package pgwire_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/engine"
	"github.com/eddysql/eddy/pgwire"
)

func encode(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			panic(err)
		}
	}
	return b
}

// FuzzServerMessages feeds random bytes to a server as a client
// connection (after a valid startup message, or instead of one). The
// server must neither panic nor hang.
func FuzzServerMessages(f *testing.F) {
	startup := encode(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "root", "database": "dev"}})
	seeds := [][]byte{
		encode(&pgproto3.Query{String: "SELECT 1"}),
		encode(&pgproto3.Query{String: "CREATE TABLE f (a INT PRIMARY KEY); INSERT INTO f VALUES (1); SELECT * FROM f"}),
		encode(&pgproto3.Parse{Query: "SELECT $1::int + 1"}, &pgproto3.Bind{Parameters: [][]byte{[]byte("41")}}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}),
		encode(&pgproto3.Parse{Name: "s", Query: "SELECT $1", ParameterOIDs: []uint32{1700}}, &pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 1, 0, 0, 0, 0, 0, 0, 0, 7}}, ResultFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		encode(&pgproto3.Parse{Query: "SELECT $1", ParameterOIDs: []uint32{1007}}, &pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff}}}, &pgproto3.Execute{}, &pgproto3.Sync{}),
		encode(&pgproto3.Describe{ObjectType: 'S', Name: "x"}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Flush{}, &pgproto3.Terminate{}),
		{'Q', 0x7f, 0xff, 0xff, 0xff},
		{'Q', 0, 0, 0, 3},
		{'B', 0, 0, 0, 8, 0, 0, 0xff, 0xff},
	}
	for _, s := range seeds {
		f.Add(true, s)
	}
	f.Add(false, []byte{0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f}) // SSLRequest
	f.Add(false, []byte{0, 0, 0, 16, 4, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0, 0, 0, 2})
	f.Add(false, startup[:len(startup)-3])

	eng, err := engine.Open(context.Background(), engine.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = eng.Close() })
	srv, err := pgwire.NewServer(pgwire.Config{Engine: eng, StartupTimeout: 2 * time.Second, MaxMessageSize: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, withStartup bool, data []byte) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.ServeConn(context.Background(), server)
		}()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_ = client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if withStartup {
			_, _ = client.Write(startup)
		}
		_, _ = client.Write(data)
		_ = client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("server hung on input %q", data)
		}
	})
}
