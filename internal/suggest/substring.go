package suggest

import "strings"

// SubstringDistance is the smallest Distance between word and any part of
// text: how many edits (insertions, deletions, substitutions, swaps of two
// adjacent characters) make word appear in text. Case is ignored. It tells
// which known word a misspelled compound name mentions: "ConfigMap" is at
// 0 from "listNamespacedConfigMapz", "Pod" at 1 from "createNamespacedPood".
func SubstringDistance(word, text string) int {
	w, t := []rune(strings.ToLower(word)), []rune(strings.ToLower(text))
	// Distance's table, except that the first row is all zeros and the
	// answer is the last row's minimum: the match may start and end
	// anywhere in text.
	prev2, prev, cur := make([]int, len(t)+1), make([]int, len(t)+1), make([]int, len(t)+1)
	for i := 1; i <= len(w); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if w[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && w[i-1] == t[j-2] && w[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	best := len(w)
	for _, d := range prev {
		best = min(best, d)
	}
	return best
}
