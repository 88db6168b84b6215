package parser_test

import (
	"fmt"
	"strconv"
)

func reflectTypeString(v any) string { return fmt.Sprintf("%T", v) }

func itoa(i int) string { return strconv.Itoa(i) }
