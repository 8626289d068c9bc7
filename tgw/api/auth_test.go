package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/tgw/api"
)

// TestAuthentication follows AWS's common errors for EC2 (APIReference/errors-overview.html and
// CommonErrors.html): a request without a signature is MissingAuthenticationToken (HTTP 403), an
// access key the service does not know is AuthFailure, a signature made with another secret is
// SignatureDoesNotMatch (403), and a malformed Authorization header is IncompleteSignature (400).
// The lab's own credentials work, and nothing is changed by a refused call.
func TestAuthentication(t *testing.T) {
	srv, good, url := startServer(t, api.Options{Datapath: newFake()})
	ctx := context.Background()
	if _, err := good.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{}); err != nil {
		t.Fatalf("signed with the lab's credentials: %v", err)
	}
	for _, c := range []struct {
		name  string
		creds aws.CredentialsProvider
		code  string
	}{
		{"unsigned", aws.AnonymousCredentials{}, "MissingAuthenticationToken"},
		{"unknown access key", credentials.NewStaticCredentialsProvider("AKIDOTHER", testCreds.SecretAccessKey, ""), "AuthFailure"},
		{"wrong secret", credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, "not-the-secret", ""), "SignatureDoesNotMatch"},
	} {
		_, err := newClientWith(url, c.creds).CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})
		if code(err) != c.code {
			t.Errorf("%s: CreateTransitGateway error %v, want %s", c.name, err, c.code)
		}
	}
	if n := len(srv.State().TransitGateways); n != 0 {
		t.Errorf("refused calls created %d transit gateways", n)
	}
	for _, c := range []struct {
		auth   string
		status int
		code   string
	}{
		{"", http.StatusForbidden, "MissingAuthenticationToken"},
		{"AWS4-HMAC-SHA256 Credential=AKIDNETLAB/20250101/us-east-1/ec2/aws4_request", http.StatusBadRequest, "IncompleteSignature"},
		{"Basic bmV0bGFiOm5ldGxhYg==", http.StatusBadRequest, "IncompleteSignature"},
	} {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("Action=DescribeVpcs&Version=2016-11-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(b.String(), "<Code>"+c.code+"</Code>") {
			t.Errorf("Authorization %q: HTTP %d %s, want %d %s", c.auth, resp.StatusCode, b, c.status, c.code)
		}
	}
}
