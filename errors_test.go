package eddy_test

import (
	"errors"
	"testing"

	"github.com/eddysql/eddy/sqlerr"
)

func asSQLErr(t *testing.T, err error) *sqlerr.Error {
	t.Helper()
	var se *sqlerr.Error
	if !errors.As(err, &se) {
		t.Fatalf("want a *sqlerr.Error, got %T %v", err, err)
	}
	return se
}
