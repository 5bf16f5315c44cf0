package fakegitlab

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// RunCommand is the fakegitlab command: it parses the flags, starts the server, prints the base
// URL as the first line of stdout (and, without -seed, the demo users and tokens), and serves until
// stop delivers a signal. It returns the exit status; every failure is one line on stderr.
func RunCommand(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("fakegitlab", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on; port 0 picks a free port")
	seedFile := fs.String("seed", "", "seed document (JSON); default: the built-in demo seed")
	latency := fs.Duration("latency", 0, "delay every API request by this much")
	failRate := fs.Float64("fail-rate", 0, "answer this fraction of API requests 500/502/503")
	rateLimit := fs.Int("rate-limit", 0, "answer 429 beyond this many requests in a second (0: no limit)")
	loseRate := fs.Float64("lose-rate", 0, "apply this fraction of writes, then lose the answer")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fakegitlab: "+format+"\n", a...)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return 0
		}
		return fail("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case *failRate < 0 || *failRate > 1:
		return fail("invalid value %v for flag -fail-rate: must be between 0 and 1", *failRate)
	case *loseRate < 0 || *loseRate > 1:
		return fail("invalid value %v for flag -lose-rate: must be between 0 and 1", *loseRate)
	case *rateLimit < 0:
		return fail("invalid value %d for flag -rate-limit: must not be negative", *rateLimit)
	case *latency < 0:
		return fail("invalid value %v for flag -latency: must not be negative", *latency)
	}
	seed := DemoSeed()
	if *seedFile != "" {
		data, err := os.ReadFile(*seedFile)
		if err != nil {
			return fail("-seed: %v", err)
		}
		if seed, err = ParseSeed(data); err != nil {
			return fail("-seed %s: %v", *seedFile, err)
		}
	}
	srv, err := NewServer(seed, Options{Addr: *listen, Latency: *latency, FailRate: *failRate, LoseRate: *loseRate, RateLimit: *rateLimit})
	if err != nil {
		return fail("-listen %s: %v", *listen, err)
	}
	fmt.Fprintln(stdout, srv.URL())
	if *seedFile == "" {
		WriteDemoUsers(stdout, srv.URL())
	}
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
	}
	return 0
}
