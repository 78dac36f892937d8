package yamlstream

import (
	"bytes"
	"errors"
	"fmt"

	yamlv3 "go.yaml.in/yaml/v3"
)

// go-yaml v2 expands every alias as it decodes, and its own guard against
// "billion laughs" documents still lets a small document grow to millions
// of nodes (seconds of CPU and hundreds of megabytes) before it objects.
// The expansion is measured first, on go-yaml v3's node tree, where an alias
// is a pointer and costs nothing, and a document that would grow past a
// bound proportional to its own size is refused before v2 sees it.

// maxAliasGrowth and minAliasBudget set that bound: a document may expand
// to minAliasBudget nodes, or maxAliasGrowth times its own node count.
const (
	maxAliasGrowth = 10
	minAliasBudget = 100_000
)

// ErrAliasBomb is wrapped by the error for a document whose aliases would
// expand it past the bound: max(100,000 nodes, 10 times the nodes written).
var ErrAliasBomb = errors.New("aliases expand the document too much")

// checkAliasExpansion returns an error wrapping ErrAliasBomb when doc uses
// aliases that expand it past the bound. Documents without both an anchor
// and an alias are not parsed at all; a document v3 cannot parse is left to
// v2, whose answer is the reference.
func checkAliasExpansion(doc []byte) error {
	if bytes.IndexByte(doc, '&') < 0 || bytes.IndexByte(doc, '*') < 0 {
		return nil
	}
	var root yamlv3.Node
	if yamlv3.Unmarshal(doc, &root) != nil {
		return nil
	}
	nodes := countNodes(&root)
	budget := max(minAliasBudget, maxAliasGrowth*nodes)
	if got := expandedNodes(&root, budget); got > budget {
		return fmt.Errorf("%w: %d nodes written, more than %d once aliases are expanded", ErrAliasBomb, nodes, budget)
	}
	return nil
}

// countNodes counts the nodes of the tree as written, each alias once.
func countNodes(n *yamlv3.Node) int {
	total := 1
	for _, c := range n.Content {
		total += countNodes(c)
	}
	return total
}

// expandedNodes counts the nodes the tree would have with every alias
// replaced by what it names, stopping early once the count passes budget.
func expandedNodes(root *yamlv3.Node, budget int) int {
	memo := map[*yamlv3.Node]int{}
	var expanded func(n *yamlv3.Node, depth int) int
	expanded = func(n *yamlv3.Node, depth int) int {
		if n.Kind == yamlv3.AliasNode {
			if n.Alias == nil || depth > maxDepth {
				return 1
			}
			n = n.Alias
		}
		if v, ok := memo[n]; ok {
			return v
		}
		memo[n] = 1 // a cycle counts once; v2 rejects cycles itself
		total := 1
		for _, c := range n.Content {
			total += expanded(c, depth+1)
			if total > budget {
				break
			}
		}
		memo[n] = total
		return total
	}
	return expanded(root, 0)
}
