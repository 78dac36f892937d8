// Package suggest finds the names nearest to a misspelled one, for the
// "did you mean" hints of kobj's errors about kinds, operations and
// parameters.
package suggest

import (
	"cmp"
	"slices"
	"strings"
)

// Closest returns up to n distinct candidates whose distance to name is at
// most maxDistance, nearest first (ties in alphabetical order). The
// distance is Distance. A maxDistance below 0 means the default for name,
// Tolerance(name).
func Closest(name string, candidates []string, maxDistance, n int) []string {
	if maxDistance < 0 {
		maxDistance = Tolerance(name)
	}
	type near struct {
		name string
		d    int
	}
	var nears []near
	seen := make(map[string]bool, len(candidates))
	for _, c := range candidates {
		if seen[c] || c == name {
			continue
		}
		seen[c] = true
		if d := Distance(name, c); d <= maxDistance {
			nears = append(nears, near{c, d})
		}
	}
	slices.SortFunc(nears, func(a, b near) int {
		return cmp.Or(a.d-b.d, strings.Compare(a.name, b.name))
	})
	out := make([]string, 0, min(n, len(nears)))
	for _, x := range nears[:min(n, len(nears))] {
		out = append(out, x.name)
	}
	return out
}

// Tolerance is the distance up to which a name is taken for a typo of
// another: one edit per five characters, and at least two, so that a swap
// and a slip in a short name ("Deploymnet", "Sevrice") still find it.
func Tolerance(name string) int { return max(2, len([]rune(name))/5+1) }

// Distance is the case-insensitive optimal string alignment distance
// between two names: insertions, deletions, substitutions and swaps of two
// adjacent characters each count one.
func Distance(a, b string) int {
	last := alignment(a, b, false)
	return last[len(last)-1]
}

// alignment fills the optimal string alignment table of a against b and
// returns its last row. With anywhere, the first row is all zeros, so that
// a may match any part of b (SubstringDistance reads the row's minimum).
func alignment(a, b string, anywhere bool) []int {
	x, y := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev2, prev, cur := make([]int, len(y)+1), make([]int, len(y)+1), make([]int, len(y)+1)
	if !anywhere {
		for j := range prev {
			prev[j] = j
		}
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev
}
