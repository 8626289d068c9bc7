package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Credentials are the access key the API accepts: requests must be SigV4-signed with them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// authError is a failed authentication with AWS's code and HTTP status for it.
type authError struct {
	status        int
	code, message string
}

// Authentication failures, with the codes and statuses of AWS's common error list
// (AWSEC2/latest/APIReference/errors-overview.html and CommonErrors.html):
// MissingAuthenticationToken 403, IncompleteSignature 400, AuthFailure 401 (EC2 answers an unknown
// access key with it), SignatureDoesNotMatch 403.
func missingToken() *authError {
	return &authError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}
}

func incomplete(msg string) *authError {
	return &authError{http.StatusBadRequest, "IncompleteSignature", msg}
}

// verifySigV4 checks the request's AWS4-HMAC-SHA256 Authorization header against creds. body is the
// request body as read. It returns nil when the signature is the one creds make.
func verifySigV4(r *http.Request, body []byte, creds Credentials) *authError {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Get("X-Amz-Algorithm") != "" {
			return incomplete("netlab's TGW accepts the Authorization header only, not presigned query signatures")
		}
		return missingToken()
	}
	const alg = "AWS4-HMAC-SHA256"
	if !strings.HasPrefix(h, alg+" ") {
		return incomplete("Authorization header requires the " + alg + " algorithm")
	}
	parts := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(h, alg+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok {
			parts[k] = v
		}
	}
	cred, signed, sig := parts["Credential"], parts["SignedHeaders"], parts["Signature"]
	if cred == "" || signed == "" || sig == "" {
		return incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")
	}
	scope := strings.Split(cred, "/") // AKID/date/region/service/aws4_request
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return incomplete("Credential must have the form ACCESS_KEY/DATE/REGION/SERVICE/aws4_request")
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" || !strings.HasPrefix(amzDate, scope[1]) {
		return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header matching the credential scope")
	}
	if subtle.ConstantTimeCompare([]byte(scope[0]), []byte(creds.AccessKeyID)) != 1 {
		return &authError{http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials"}
	}
	canonical := strings.Join([]string{r.Method, canonicalPath(r.URL.EscapedPath()), canonicalQuery(r.URL.RawQuery),
		canonicalHeaders(r, signed), signed, payloadHash(r, body)}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{alg, amzDate, strings.Join(scope[1:], "/"), hex.EncodeToString(sum[:])}, "\n")
	key := []byte("AWS4" + creds.SecretAccessKey)
	for _, s := range scope[1:] {
		key = hmacSHA256(key, s)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return &authError{http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."}
	}
	return nil
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func payloadHash(r *http.Request, body []byte) string {
	if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
		return v
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// awsEscape is SigV4's URI encoding: every byte but the unreserved characters as %XX.
func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func canonicalQuery(raw string) string {
	q, _ := url.ParseQuery(raw)
	var kv []string
	for k, vs := range q {
		for _, v := range vs {
			kv = append(kv, awsEscape(k)+"="+awsEscape(v))
		}
	}
	sort.Strings(kv)
	return strings.Join(kv, "&")
}

func canonicalHeaders(r *http.Request, signed string) string {
	var b strings.Builder
	for _, name := range strings.Split(signed, ";") {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			vals = r.Header.Values(name)
		}
		vals = append([]string(nil), vals...)
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}
