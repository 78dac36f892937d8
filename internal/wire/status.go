package wire

import (
	"encoding/json"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// responseError builds the error of a non-2xx answer with code and body:
// the server's own Status when it sent one, else what client-go builds
// from the code and body, naming the resource and name req was about.
func responseError(req *Request, code int, body []byte) error {
	var status metav1.Status
	if json.Unmarshal(body, &status) == nil && status.Kind == "Status" && status.Status == metav1.StatusFailure {
		if status.Code == 0 {
			status.Code = int32(code)
		}
		return &apierrors.StatusError{ErrStatus: status}
	}
	verb := map[string]string{"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[req.Method]
	return apierrors.NewGenericServerResponse(code, verb, req.Resource, req.Name, string(body), 0, true)
}
