package discoveryindex

import (
	"mime"
	"net/http"
	"strings"
)

// AcceptV2Beta1 wraps rt so that client-go's discovery client, which asks
// only for aggregated discovery v2 (client-go v0.37), is also answered in
// one request per root by the servers that publish aggregated discovery
// as v2beta1 only (Kubernetes 1.26 to 1.29). Without it, client-go falls
// back on such servers to one request per group-version: 24 requests
// instead of 2 on a bare kube-apiserver v1.29, measured by the e2e suite.
// v2beta1 and v2 have the same shape (v2 is the promotion of v2beta1), so
// the answer only needs the version of its Content-Type renamed.
func AcceptV2Beta1(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return v2beta1Transport{rt}
}

const (
	v2Accept      = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
	v2beta1Accept = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
)

type v2beta1Transport struct{ next http.RoundTripper }

func (t v2beta1Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	accept := r.Header.Get("Accept")
	i := strings.Index(accept, v2Accept)
	if i < 0 || strings.Contains(accept, "v=v2beta1") {
		return t.next.RoundTrip(r)
	}
	end := i + len(v2Accept)
	if rest := accept[end:]; strings.HasPrefix(rest, ";") { // v2 with more parameters (profile=nopeer)
		if j := strings.Index(rest, ","); j >= 0 {
			end += j
		} else {
			end = len(accept)
		}
	}
	r = r.Clone(r.Context())
	r.Header.Set("Accept", accept[:end]+","+v2beta1Accept+accept[end:])
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	base, params, perr := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if perr == nil && params["g"] == "apidiscovery.k8s.io" && params["v"] == "v2beta1" && params["as"] == "APIGroupDiscoveryList" {
		params["v"] = "v2"
		resp.Header = resp.Header.Clone()
		resp.Header.Set("Content-Type", mime.FormatMediaType(base, params))
	}
	return resp, nil
}
