package pgwire

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/eddysql/eddy/sqlerr"
)

// User is an account the server authenticates.
type User struct {
	Name      string
	Superuser bool
	// Verifier is the SCRAM-SHA-256 verifier of the password; nil when the
	// user has none (it can then only log in with trust).
	Verifier *SCRAMVerifier
}

// UserLookup finds users by name.
type UserLookup interface {
	Lookup(name string) (User, bool)
}

// UserManager is a UserLookup that CREATE/ALTER/DROP USER can change.
type UserManager interface {
	UserLookup
	// CreateUser adds a user; password "" means none. It fails with 42710
	// when the user exists.
	CreateUser(name, password string, superuser bool) error
	// AlterUser changes a user's password and/or superuser flag (nil =
	// unchanged; an empty password removes it).
	AlterUser(name string, password *string, superuser *bool) error
	// DropUser removes a user; missing users are an error (42704) unless
	// ifExists.
	DropUser(name string, ifExists bool) error
}

// SCRAMVerifier is what the server keeps of a password (RFC 5802): the
// salt and iteration count, and the stored and server keys.
type SCRAMVerifier struct {
	Iterations int
	Salt       []byte
	StoredKey  []byte
	ServerKey  []byte
}

// DefaultSCRAMIterations is the PBKDF2 iteration count of new verifiers
// (Postgres's default).
const DefaultSCRAMIterations = 4096

// NewSCRAMVerifier derives a verifier for password with a random salt.
func NewSCRAMVerifier(password string) (*SCRAMVerifier, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return deriveVerifier(password, salt, DefaultSCRAMIterations)
}

func deriveVerifier(password string, salt []byte, iters int) (*SCRAMVerifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iters, sha256.Size)
	if err != nil {
		return nil, err
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	stored := sha256.Sum256(clientKey)
	return &SCRAMVerifier{
		Iterations: iters,
		Salt:       salt,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, []byte("Server Key")),
	}, nil
}

// Check reports whether password matches the verifier.
func (v *SCRAMVerifier) Check(password string) bool {
	if v == nil {
		return false
	}
	w, err := deriveVerifier(password, v.Salt, v.Iterations)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(w.StoredKey, v.StoredKey) == 1
}

// String renders the verifier as Postgres stores it in pg_authid:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
func (v *SCRAMVerifier) String() string {
	enc := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", v.Iterations, enc(v.Salt), enc(v.StoredKey), enc(v.ServerKey))
}

// ParseSCRAMVerifier parses the form String returns (what psql's
// \password sends).
func ParseSCRAMVerifier(s string) (*SCRAMVerifier, error) {
	rest, ok := strings.CutPrefix(s, "SCRAM-SHA-256$")
	if !ok {
		return nil, errors.New("not a SCRAM-SHA-256 verifier")
	}
	iterSalt, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, errors.New("malformed SCRAM-SHA-256 verifier")
	}
	iterS, saltS, ok1 := strings.Cut(iterSalt, ":")
	storedS, serverS, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return nil, errors.New("malformed SCRAM-SHA-256 verifier")
	}
	iters, err := strconv.Atoi(iterS)
	if err != nil || iters <= 0 {
		return nil, errors.New("malformed SCRAM-SHA-256 verifier")
	}
	dec := base64.StdEncoding.DecodeString
	salt, err1 := dec(saltS)
	stored, err2 := dec(storedS)
	server, err3 := dec(serverS)
	if err := errors.Join(err1, err2, err3); err != nil || len(stored) != sha256.Size || len(server) != sha256.Size {
		return nil, errors.New("malformed SCRAM-SHA-256 verifier")
	}
	return &SCRAMVerifier{Iterations: iters, Salt: salt, StoredKey: stored, ServerKey: server}, nil
}

func hmacSHA256(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// UserStore is an in-memory UserManager, optionally saved to a JSON file.
type UserStore struct {
	mu    sync.RWMutex
	users map[string]User
	path  string    // "" = not persisted to a file
	meta  MetaStore // non-nil: persisted in the engine's catalog
}

var _ UserManager = (*UserStore)(nil)

// NewUserStore returns a store holding the superuser "root" without a
// password.
func NewUserStore() *UserStore {
	return &UserStore{users: map[string]User{"root": {Name: "root", Superuser: true}}}
}

type storedUser struct {
	Name      string `json:"name"`
	Superuser bool   `json:"superuser,omitempty"`
	Verifier  string `json:"scram_sha_256,omitempty"`
}

// NewFileUserStore opens a store saved in the JSON file at path, creating
// it (with "root") when it does not exist. Every change rewrites the file.
func NewFileUserStore(path string) (*UserStore, error) {
	s := NewUserStore()
	s.path = path
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var list []storedUser
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("read users from %s: %w", path, err)
	}
	s.users = map[string]User{}
	for _, su := range list {
		u := User{Name: su.Name, Superuser: su.Superuser}
		if su.Verifier != "" {
			if u.Verifier, err = ParseSCRAMVerifier(su.Verifier); err != nil {
				return nil, fmt.Errorf("read users from %s: user %q: %w", path, su.Name, err)
			}
		}
		s.users[su.Name] = u
	}
	return s, nil
}

// Lookup returns a user.
func (s *UserStore) Lookup(name string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[name]
	return u, ok
}

// SetPassword sets (or, with "", removes) a user's password, creating the
// user when missing.
func (s *UserStore) SetPassword(name, password string) error {
	v, err := verifierFor(password)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		u = User{Name: name}
	}
	u.Verifier = v
	s.users[name] = u
	return s.saveLocked()
}

func verifierFor(password string) (*SCRAMVerifier, error) {
	if password == "" {
		return nil, nil
	}
	if strings.HasPrefix(password, "SCRAM-SHA-256$") {
		return ParseSCRAMVerifier(password)
	}
	return NewSCRAMVerifier(password)
}

// CreateUser implements UserManager.
func (s *UserStore) CreateUser(name, password string, superuser bool) error {
	v, err := verifierFor(password)
	if err != nil {
		return sqlerr.New(sqlerr.InvalidParameterValue, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; ok {
		return sqlerr.New(sqlerr.DuplicateObject, "role %q already exists", name)
	}
	s.users[name] = User{Name: name, Superuser: superuser, Verifier: v}
	return s.saveLocked()
}

// AlterUser implements UserManager.
func (s *UserStore) AlterUser(name string, password *string, superuser *bool) error {
	var v *SCRAMVerifier
	if password != nil {
		var err error
		if v, err = verifierFor(*password); err != nil {
			return sqlerr.New(sqlerr.InvalidParameterValue, "%v", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[name]
	if !ok {
		return sqlerr.New(sqlerr.UndefinedObject, "role %q does not exist", name)
	}
	if password != nil {
		u.Verifier = v
	}
	if superuser != nil {
		u.Superuser = *superuser
	}
	s.users[name] = u
	return s.saveLocked()
}

// DropUser implements UserManager.
func (s *UserStore) DropUser(name string, ifExists bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; !ok {
		if ifExists {
			return nil
		}
		return sqlerr.New(sqlerr.UndefinedObject, "role %q does not exist", name)
	}
	delete(s.users, name)
	return s.saveLocked()
}

func (s *UserStore) saveLocked() error {
	if s.meta != nil {
		return s.saveMetaLocked()
	}
	if s.path == "" {
		return nil
	}
	list := make([]storedUser, 0, len(s.users))
	for _, u := range s.users {
		su := storedUser{Name: u.Name, Superuser: u.Superuser}
		if u.Verifier != nil {
			su.Verifier = u.Verifier.String()
		}
		list = append(list, su)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return sqlerr.Wrap(err, sqlerr.IOError)
	}
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return sqlerr.Wrap(err, sqlerr.IOError)
	}
	return sqlerr.Wrap(os.Rename(tmp, s.path), sqlerr.IOError)
}

// authenticate runs the configured authentication exchange for user.
func (c *conn) authenticate(user string) error {
	cfg := c.srv.cfg
	u, known := c.srv.users.Lookup(user)
	switch cfg.Auth {
	case AuthTrust:
		if !cfg.TrustRemote && !isLoopback(c.nc.RemoteAddr()) {
			return sqlerr.New(sqlerr.InvalidAuthorization, "trust authentication is only allowed from loopback addresses (connection from %s)", c.remote)
		}
		c.superuser = !known || u.Superuser
		return nil
	case AuthPassword:
		c.be.Send(&pgproto3.AuthenticationCleartextPassword{})
		if err := c.flush(); err != nil {
			return err
		}
		if err := c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
			return err
		}
		msg, err := c.be.Receive()
		if err != nil {
			return err
		}
		pm, ok := msg.(*pgproto3.PasswordMessage)
		if !ok {
			return sqlerr.New(sqlerr.ProtocolViolation, "expected password response, got %T", msg)
		}
		if !known || !u.Verifier.Check(pm.Password) {
			return passwordFailed(user, "password")
		}
		c.superuser = u.Superuser
		return nil
	case AuthSCRAM:
		if err := c.scram(user, u, known); err != nil {
			return err
		}
		c.superuser = u.Superuser
		return nil
	}
	return sqlerr.New(sqlerr.InvalidAuthorization, "unsupported authentication method %q", cfg.Auth)
}

func passwordFailed(user, method string) error {
	return sqlerr.New(sqlerr.InvalidPassword, "%s authentication failed for user %q", method, user)
}

func isLoopback(a net.Addr) bool {
	switch x := a.(type) {
	case *net.TCPAddr:
		return x.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	case nil:
		return true
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.Network() == "pipe" // net.Pipe in tests
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// scram runs SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding.
// An unknown user gets a fake exchange that fails at the end, so that user
// names cannot be probed.
func (c *conn) scram(user string, u User, known bool) error {
	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if err := c.flush(); err != nil {
		return err
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASL); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return sqlerr.New(sqlerr.ProtocolViolation, "expected SASL response, got %T", msg)
	}
	if init.AuthMechanism != "SCRAM-SHA-256" {
		return sqlerr.New(sqlerr.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	clientFirst := string(init.Data)
	// gs2-header: "n,," or "y,," (no channel binding), then the bare message.
	gs2, bare, ok := cutN(clientFirst, ",", 2)
	if !ok || !(strings.HasPrefix(gs2, "n,") || strings.HasPrefix(gs2, "y,")) {
		return sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message (unsupported channel binding)")
	}
	clientNonce := ""
	for _, attr := range strings.Split(bare, ",") {
		if v, ok := strings.CutPrefix(attr, "r="); ok {
			clientNonce = v
		}
	}
	if clientNonce == "" {
		return sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message (missing nonce)")
	}
	v := u.Verifier
	if !known || v == nil {
		salt := sha256.Sum256([]byte("eddy-fake-salt:" + user))
		v = &SCRAMVerifier{Iterations: DefaultSCRAMIterations, Salt: salt[:16], StoredKey: make([]byte, 32), ServerKey: make([]byte, 32)}
	}
	nonceBytes := make([]byte, 18)
	if _, err := rand.Read(nonceBytes); err != nil {
		return err
	}
	nonce := clientNonce + base64.StdEncoding.EncodeToString(nonceBytes)
	serverFirst := fmt.Sprintf("r=%s,s=%s,i=%d", nonce, base64.StdEncoding.EncodeToString(v.Salt), v.Iterations)
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	if err := c.flush(); err != nil {
		return err
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASLContinue); err != nil {
		return err
	}
	msg, err = c.be.Receive()
	if err != nil {
		return err
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return sqlerr.New(sqlerr.ProtocolViolation, "expected SASL response, got %T", msg)
	}
	clientFinal := string(resp.Data)
	withoutProof, proofAttr, ok := strings.Cut(clientFinal, ",p=")
	if !ok {
		return sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message (missing proof)")
	}
	var gotNonce, cbind string
	for _, attr := range strings.Split(withoutProof, ",") {
		if x, ok := strings.CutPrefix(attr, "r="); ok {
			gotNonce = x
		}
		if x, ok := strings.CutPrefix(attr, "c="); ok {
			cbind = x
		}
	}
	if gotNonce != nonce {
		return sqlerr.New(sqlerr.ProtocolViolation, "SCRAM nonce mismatch")
	}
	if cb, err := base64.StdEncoding.DecodeString(cbind); err != nil || string(cb) != gs2 {
		return sqlerr.New(sqlerr.ProtocolViolation, "SCRAM channel binding check failed")
	}
	proof, err := base64.StdEncoding.DecodeString(proofAttr)
	if err != nil || len(proof) != sha256.Size {
		return sqlerr.New(sqlerr.ProtocolViolation, "malformed SCRAM message (invalid proof)")
	}
	authMessage := bare + "," + serverFirst + "," + withoutProof
	clientSig := hmacSHA256(v.StoredKey, []byte(authMessage))
	clientKey := make([]byte, sha256.Size)
	for i := range clientKey {
		clientKey[i] = proof[i] ^ clientSig[i]
	}
	stored := sha256.Sum256(clientKey)
	if !known || u.Verifier == nil || subtle.ConstantTimeCompare(stored[:], v.StoredKey) != 1 {
		return passwordFailed(user, "password")
	}
	serverSig := hmacSHA256(v.ServerKey, []byte(authMessage))
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte("v=" + base64.StdEncoding.EncodeToString(serverSig))})
	return nil
}

// cutN splits s after the n-th sep: the head keeps its trailing sep.
func cutN(s, sep string, n int) (head, tail string, ok bool) {
	at := 0
	for range n {
		i := strings.Index(s[at:], sep)
		if i < 0 {
			return "", "", false
		}
		at += i + len(sep)
	}
	return s[:at], s[at:], true
}
