package remote

import (
	"strings"
	"testing"
)

func TestCheckPortSpecs(t *testing.T) {
	tests := []struct {
		ports []string
		want  string // in the error; "" for none
	}{
		{[]string{"8080:80"}, ""},
		{[]string{"80"}, ""},
		{[]string{":80"}, ""},
		{[]string{"0:80"}, ""},
		{[]string{"65535:65535"}, ""},
		{[]string{"8080:80", "9090:90", ":443"}, ""},
		{nil, ""},
		{[]string{"http"}, `port "http": local port "http" is not a number from 0 to 65535`},
		{[]string{"8080:http"}, `port "8080:http": remote port "http"`},
		{[]string{"8080:0"}, `port "8080:0": remote port "0" is not a number from 1 to 65535`},
		{[]string{"0"}, `port "0": remote port "0"`},
		{[]string{"65536:80"}, `port "65536:80": local port "65536" is not a number from 0 to 65535`},
		{[]string{"-1:80"}, `local port "-1"`},
		{[]string{"80:65536"}, `remote port "65536"`},
		{[]string{"1:2:3"}, `port "1:2:3": want local:remote, port or :remote`},
		{[]string{""}, `port "": local port ""`},
		{[]string{":"}, `port ":": remote port ""`},
		{[]string{"8080:80", "x:80"}, `port "x:80": local port "x"`},
	}
	for _, tt := range tests {
		err := CheckPortSpecs(tt.ports)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckPortSpecs(%q) = %v, want nil", tt.ports, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckPortSpecs(%q) = %v, want an error saying %q", tt.ports, err, tt.want)
		}
	}
}
