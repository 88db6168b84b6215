package pgwire_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eddysql/eddy/pgwire"
)

func connectAs(ts *testServer, user, password string) (*pgx.Conn, error) {
	return pgx.Connect(context.Background(), ts.url(user, password))
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestAuth(t *testing.T) {
	for _, method := range []pgwire.AuthMethod{pgwire.AuthPassword, pgwire.AuthSCRAM} {
		t.Run(string(method), func(t *testing.T) {
			users := pgwire.NewUserStore()
			if err := users.SetPassword("root", "rootpw"); err != nil {
				t.Fatal(err)
			}
			ts := startServer(t, func(c *pgwire.Config) { c.Auth = method; c.Users = users })
			if _, err := connectAs(ts, "root", "wrong"); pgCode(err) != "28P01" {
				t.Errorf("wrong password: %v", err)
			}
			if _, err := connectAs(ts, "nobody", "x"); pgCode(err) != "28P01" {
				t.Errorf("unknown user: %v", err)
			}
			root, err := connectAs(ts, "root", "rootpw")
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close(context.Background())
			mustExec(t, root, "CREATE USER bob WITH PASSWORD 'bobpw'")
			if _, err := root.Exec(context.Background(), "CREATE USER bob PASSWORD 'x'"); pgCode(err) != "42710" {
				t.Errorf("duplicate user: %v", err)
			}
			bob, err := connectAs(ts, "bob", "bobpw")
			if err != nil {
				t.Fatalf("bob: %v", err)
			}
			defer bob.Close(context.Background())
			if _, err := bob.Exec(context.Background(), "CREATE USER eve PASSWORD 'x'"); pgCode(err) != "42501" {
				t.Errorf("non-superuser CREATE USER: %v", err)
			}
			mustExec(t, bob, "ALTER USER bob PASSWORD 'newpw'")
			if _, err := connectAs(ts, "bob", "bobpw"); pgCode(err) != "28P01" {
				t.Errorf("old password: %v", err)
			}
			c, err := connectAs(ts, "bob", "newpw")
			if err != nil {
				t.Fatalf("new password: %v", err)
			}
			c.Close(context.Background())
			var one int32
			if err := bob.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
				t.Error(err)
			}
			mustExec(t, root, "DROP USER bob")
			mustExec(t, root, "DROP USER IF EXISTS bob")
			if _, err := root.Exec(context.Background(), "DROP USER bob"); pgCode(err) != "42704" {
				t.Errorf("drop missing user: %v", err)
			}
			if _, err := connectAs(ts, "bob", "newpw"); pgCode(err) != "28P01" {
				t.Errorf("dropped user: %v", err)
			}
		})
	}
}

func TestTrustAcceptsAnyUser(t *testing.T) {
	ts := startServer(t, nil)
	c, err := connectAs(ts, "someone", "")
	if err != nil {
		t.Fatal(err)
	}
	c.Close(context.Background())
}

func TestFileUserStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	s, err := pgwire.NewFileUserStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser("alice", "pw", false); err != nil {
		t.Fatal(err)
	}
	s2, err := pgwire.NewFileUserStore(path)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := s2.Lookup("alice")
	if !ok || !u.Verifier.Check("pw") || u.Verifier.Check("nope") {
		t.Errorf("reloaded user: %+v %v", u, ok)
	}
	if _, ok := s2.Lookup("root"); !ok {
		t.Error("root missing")
	}
	v, _ := pgwire.NewSCRAMVerifier("secret")
	v2, err := pgwire.ParseSCRAMVerifier(v.String())
	if err != nil || !v2.Check("secret") {
		t.Errorf("verifier round trip: %v", err)
	}
}

func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLS(t *testing.T) {
	ts := startServer(t, func(c *pgwire.Config) { c.TLSConfig = selfSignedTLS(t) })
	url := strings.Replace(ts.url("root", ""), "sslmode=disable", "sslmode=require", 1)
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Errorf("connection is not TLS: %T", c.PgConn().Conn())
	}
	var one int32
	if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("query over TLS: %v", err)
	}
	// Without TLS configured, sslmode=require fails cleanly.
	plain := startServer(t, nil)
	if _, err := pgx.Connect(context.Background(), strings.Replace(plain.url("root", ""), "sslmode=disable", "sslmode=require", 1)); err == nil {
		t.Error("sslmode=require succeeded without TLS")
	}
}
