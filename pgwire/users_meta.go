package pgwire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/eddysql/eddy/engine"
)

// MetaStore is the engine's small key/value store (*engine.Engine
// implements it): records committed with the catalog.
type MetaStore interface {
	PutMeta(ctx context.Context, key string, value []byte) error
	ScanMeta(prefix string, fn func(key string, value []byte) bool) error
}

// NewMetaUserStore opens a user store kept in the engine's catalog (keys
// engine.MetaUserPrefix+name), so users survive restarts with the data.
// When the catalog holds no users and the JSON file at legacyPath exists
// (the older users.json), its users are imported; the file is left alone.
// With neither, the store starts with "root" without a password.
func NewMetaUserStore(meta MetaStore, legacyPath string) (*UserStore, error) {
	s := NewUserStore()
	var list []storedUser
	err := meta.ScanMeta(engine.MetaUserPrefix, func(_ string, v []byte) bool {
		var su storedUser
		if json.Unmarshal(v, &su) == nil && su.Name != "" {
			list = append(list, su)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	imported := false
	if len(list) == 0 && legacyPath != "" {
		b, err := os.ReadFile(legacyPath)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := json.Unmarshal(b, &list); err != nil {
				return nil, fmt.Errorf("read users from %s: %w", legacyPath, err)
			}
			imported = true
		}
	}
	if len(list) > 0 {
		s.users = map[string]User{}
		for _, su := range list {
			u := User{Name: su.Name, Superuser: su.Superuser}
			if su.Verifier != "" {
				if u.Verifier, err = ParseSCRAMVerifier(su.Verifier); err != nil {
					return nil, fmt.Errorf("user %q: %w", su.Name, err)
				}
			}
			s.users[su.Name] = u
		}
	}
	s.meta = meta
	if imported || len(list) == 0 {
		s.mu.Lock()
		err := s.saveLocked()
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// saveMetaLocked writes every user to the meta store and deletes the
// records of dropped users.
func (s *UserStore) saveMetaLocked() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	existing := map[string]bool{}
	if err := s.meta.ScanMeta(engine.MetaUserPrefix, func(k string, _ []byte) bool {
		existing[k] = true
		return true
	}); err != nil {
		return err
	}
	for _, u := range s.users {
		su := storedUser{Name: u.Name, Superuser: u.Superuser}
		if u.Verifier != nil {
			su.Verifier = u.Verifier.String()
		}
		b, err := json.Marshal(su)
		if err != nil {
			return err
		}
		key := engine.MetaUserPrefix + u.Name
		delete(existing, key)
		if err := s.meta.PutMeta(ctx, key, b); err != nil {
			return err
		}
	}
	for k := range existing {
		if err := s.meta.PutMeta(ctx, k, nil); err != nil {
			return err
		}
	}
	return nil
}
