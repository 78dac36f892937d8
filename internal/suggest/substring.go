package suggest

// SubstringDistance is the smallest Distance between word and any part of
// text: how many edits (insertions, deletions, substitutions, swaps of two
// adjacent characters) make word appear in text. Case is ignored. It tells
// which known word a misspelled compound name mentions: "ConfigMap" is at
// 0 from "listNamespacedConfigMapz", "Pod" at 1 from "createNamespacedPood".
func SubstringDistance(word, text string) int {
	last := alignment(word, text, true)
	best := len([]rune(word))
	for _, d := range last {
		best = min(best, d)
	}
	return best
}
