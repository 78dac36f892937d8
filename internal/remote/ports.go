package remote

import (
	"fmt"
	"strconv"
	"strings"
)

// CheckPortSpecs checks port specs as client-go's portforward parses them
// ("local:remote", "port", ":remote"), before any request. It fails naming
// the spec at fault and what is wrong in it: client-go's own error names
// only a part of it.
func CheckPortSpecs(ports []string) error {
	for _, spec := range ports {
		local, remote, pair := strings.Cut(spec, ":")
		if !pair {
			remote = local
		} else if local == "" {
			local = "0"
		}
		if strings.Contains(remote, ":") {
			return fmt.Errorf("port %q: want local:remote, port or :remote", spec)
		}
		if _, err := strconv.ParseUint(local, 10, 16); err != nil {
			return fmt.Errorf("port %q: local port %q is not a number from 0 to 65535", spec, local)
		}
		if n, err := strconv.ParseUint(remote, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("port %q: remote port %q is not a number from 1 to 65535", spec, remote)
		}
	}
	return nil
}
