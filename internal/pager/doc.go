// Package pager walks a Kubernetes list page by page: it asks for a page
// with ListOptions, decodes the page's list metadata and items (each item
// kept as the server's raw JSON), hands the page to a callback and follows
// the continue token until the last page. One page is held at a time, so a
// walk over a list of any size needs the memory of one page.
//
// It knows neither kobj's Object nor its Client: the caller's fetch
// function sends the request and returns the body.
package pager
