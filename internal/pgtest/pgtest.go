// Package pgtest starts throwaway PostgreSQL servers for tests: initdb in a
// temporary folder, then pg_ctl on a free loopback port. When the
// PostgreSQL binaries are missing the test is skipped with a clear
// message, except under CI=true, where it fails.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
)

// Server is a running throwaway PostgreSQL server.
type Server struct {
	Dir  string
	Port int
	bin  string
	cred *syscall.Credential
}

// DSN returns a connection string for the postgres database as the
// superuser "postgres".
func (s *Server) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
}

// Options tune the server.
type Options struct {
	Logical bool // wal_level=logical, for CDC tests
}

// BinDir finds the folder holding initdb and pg_ctl, or "".
func BinDir() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// Skip skips (or, under CI=true, fails) the test with the reason.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and %s", msg)
	}
	t.Skip(msg)
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := BinDir()
	if bin == "" {
		Skip(t, "PostgreSQL binaries (initdb, pg_ctl) not found; install postgresql")
	}
	dir, err := os.MkdirTemp("", "eddy-pg-*")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as the postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			Skip(t, "running as root and no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { s.Stop(); os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-D", data); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.Port = freePort(t)
	conf := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c TimeZone=UTC", s.Port, dir)
	if opts.Logical {
		conf += " -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10"
	}
	if out, err := s.run("pg_ctl", "-D", data, "-o", conf, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return s
}

// Stop stops the server immediately.
func (s *Server) Stop() {
	s.run("pg_ctl", "-D", filepath.Join(s.Dir, "data"), "-m", "immediate", "-w", "stop") //nolint:errcheck // best effort at cleanup
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.Dir
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd.CombinedOutput()
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
