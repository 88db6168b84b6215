// Package bench holds the measurement harnesses behind `eddy bench`:
// Nexmark throughput (nexmark.go), ingest-to-visible freshness
// (freshness.go) and point-lookup latency (lookup.go), plus the Go
// benchmarks that give BENCHMARKS.md its in-run baselines.
//
// Every harness runs the engine embedded in the calling process and reports
// both wall-clock and CPU-time rates. The machine the figures come from is
// shared, so CPU seconds (getrusage) and ratios against a baseline measured
// in the same run are the comparable numbers; wall-clock rates are printed
// for completeness.
package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Usage is a snapshot of the process's resource use.
type Usage struct {
	Wall      time.Time
	CPU       time.Duration // user + system CPU time of the whole process
	MaxRSSKiB int64         // peak resident set size since the process started
}

// Now samples the process's resource use.
func Now() Usage {
	var ru syscall.Rusage
	u := Usage{Wall: time.Now()}
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		u.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		u.MaxRSSKiB = ru.Maxrss // KiB on Linux
	}
	return u
}

// Span is the resource use between two snapshots.
type Span struct {
	Wall      time.Duration
	CPU       time.Duration
	PeakRSSMB float64 // peak RSS of the process at the end of the span
}

// Since returns the use from start to now.
func Since(start Usage) Span { return Between(start, Now()) }

// Between returns the use from a to b.
func Between(a, b Usage) Span {
	return Span{Wall: b.Wall.Sub(a.Wall), CPU: b.CPU - a.CPU, PeakRSSMB: float64(b.MaxRSSKiB) / 1024}
}

// Rate returns n per second of wall time and n per CPU second.
func (s Span) Rate(n int64) (perSec, perCPUSec float64) {
	if s.Wall > 0 {
		perSec = float64(n) / s.Wall.Seconds()
	}
	if s.CPU > 0 {
		perCPUSec = float64(n) / s.CPU.Seconds()
	}
	return perSec, perCPUSec
}

// Machine describes the host for reports: CPU model, logical cores,
// GOMAXPROCS and Go version.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d logical cores, GOMAXPROCS=%d, %s %s/%s", model, runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// ResetPeakRSS resets the kernel's peak-RSS counter of this process
// (Linux ≥ 4.0: "5" into /proc/self/clear_refs), so that a measured phase
// reports its own peak rather than that of a preceding set-up phase. It
// reports whether the reset worked.
func ResetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
