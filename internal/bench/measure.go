package main

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// median of the values; zero for none.
func median[T cmp.Ordered](values []T) T {
	var zero T
	if len(values) == 0 {
		return zero
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// spread is the smallest, median and largest of the values; zeros for none.
func spread[T cmp.Ordered](values []T) (lo, mid, hi T) {
	if len(values) == 0 {
		return lo, mid, hi
	}
	return slices.Min(values), median(values), slices.Max(values)
}

// spreadCell renders values as "median (min – max, N runs)", each formatted by format; a target
// is met when the median meets it.
func spreadCell[T cmp.Ordered](values []T, format func(T) string) string {
	lo, mid, hi := spread(values)
	if len(values) == 1 {
		return format(mid) + " (1 run)"
	}
	return fmt.Sprintf("%s (%s – %s, %d runs)", format(mid), format(lo), format(hi), len(values))
}

// seconds formats a duration for the table: milliseconds below ten seconds' worth of precision.
func seconds(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

// shortDuration formats a duration of microseconds to seconds.
func shortDuration(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
	if d < time.Second {
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return seconds(d)
}

// mebibytes formats a size in KiB as MiB.
func mebibytes(kib int64) string {
	return fmt.Sprintf("%.0f MiB", float64(kib)/1024)
}
