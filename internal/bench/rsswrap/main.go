// Command rsswrap stands in for the provider binary in the benchmark's dev_overrides directory: it
// runs the real provider (BENCH_PROVIDER_BIN) with the same arguments, environment and standard
// streams, and when it exits appends the child's peak resident set size and CPU time to
// BENCH_RUSAGE_FILE as one JSON line. Terraform talks to the provider over the socket the
// provider announces, so the wrapper is not in the data path.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// Record is one provider process's resource usage.
type Record struct {
	PID       int     `json:"pid"`
	MaxRSSKiB int64   `json:"max_rss_kib"`
	UserSec   float64 `json:"user_sec"`
	SysSec    float64 `json:"sys_sec"`
	WallSec   float64 `json:"wall_sec"`
}

func main() {
	bin := os.Getenv("BENCH_PROVIDER_BIN")
	if bin == "" {
		fmt.Fprintln(os.Stderr, "rsswrap: BENCH_PROVIDER_BIN is not set")
		os.Exit(2)
	}
	cmd := exec.CommandContext(context.Background(), bin, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		os.Exit(2)
	}
	// Terraform stops a provider over gRPC; pass on any signal it sends anyway.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for sig := range signals {
			_ = cmd.Process.Signal(sig)
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	if path := os.Getenv("BENCH_RUSAGE_FILE"); path != "" {
		if werr := appendRecord(path, cmd.ProcessState, wall); werr != nil {
			fmt.Fprintln(os.Stderr, "rsswrap:", werr)
		}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		os.Exit(exitErr.ExitCode())
	}
	if err != nil {
		os.Exit(1)
	}
}

func appendRecord(path string, state *os.ProcessState, wall time.Duration) error {
	ru, ok := state.SysUsage().(*syscall.Rusage)
	if !ok {
		return errors.New("no rusage for the provider process")
	}
	line, err := json.Marshal(Record{
		PID:       state.Pid(),
		MaxRSSKiB: ru.Maxrss, // Linux reports kibibytes
		UserSec:   state.UserTime().Seconds(),
		SysSec:    state.SystemTime().Seconds(),
		WallSec:   wall.Seconds(),
	})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	// One short write per line: concurrent provider processes do not interleave.
	_, werr := f.Write(append(line, '\n'))
	return errors.Join(werr, f.Close())
}
