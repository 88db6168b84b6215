package parser

import (
	"strconv"
	"strings"
	"testing"
)

func bigInsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO t VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(" + strconv.Itoa(i*7919%100000) + "," + strconv.Itoa(i) + ")")
	}
	return b.String()
}

func BenchmarkZZParse10k(b *testing.B) {
	s := bigInsert(10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
}

func BenchmarkZZSplit10k(b *testing.B) {
	s := bigInsert(10000)
	for i := 0; i < b.N; i++ {
		SplitStatements(s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
}

func BenchmarkZZString10k(b *testing.B) {
	s := bigInsert(10000)
	st, _ := Parse(s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = st[0].String()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
}

func BenchmarkZZParsePoint(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse("SELECT k, v, s FROM lookup_mv WHERE k = " + strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
}
