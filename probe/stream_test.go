package probe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The HTTP echo streams when asked: five chunks 200 ms apart by default, numbered, then its closing
// event; the client records when each arrived.
func TestStreamArrivesInChunksOverTime(t *testing.T) {
	s := startLoopback(t)
	c := loopbackClient(t)
	res, err := c.Stream(context.Background(), "http://"+s.HTTPAddr()+"/v1/generate", "llm.gpu.netlab.test")
	if err != nil || !res.OK || res.Stream == nil {
		t.Fatalf("stream: %v %+v", err, res)
	}
	st := res.Stream
	if st.Chunks != DefaultStreamChunks || st.Of != DefaultStreamChunks || !st.Completed || len(st.AtMillis) != st.Chunks {
		t.Fatalf("stream %+v", st)
	}
	want := float64((DefaultStreamChunks-1)*int(DefaultStreamInterval.Milliseconds())) * 0.8
	if st.SpreadMillis() < want {
		t.Errorf("chunks spread over %.0f ms, want at least %.0f", st.SpreadMillis(), want)
	}
	if res.Server.Seq != DefaultStreamChunks || res.Server.Server != testID || res.Server.HTTP.Host != "llm.gpu.netlab.test" || res.Server.HTTP.Path != "/v1/generate" {
		t.Errorf("last chunk %+v", res.Server)
	}

	// The query sets the count and pace, within bounds.
	res, err = c.Stream(context.Background(), "http://"+s.HTTPAddr()+"/?chunks=3&intervalMs=0", "")
	if err != nil || res.Stream == nil || res.Stream.Chunks != 3 || !res.Stream.Completed {
		t.Fatalf("3 chunks at once: %v %+v", err, res.Stream)
	}
	for _, q := range []string{"chunks=0", "chunks=21", "intervalMs=1001", "chunks=20&intervalMs=1000", "chunks=x"} {
		res, _ = c.Stream(context.Background(), "http://"+s.HTTPAddr()+"/?"+q, "")
		if res.OK || res.HTTPStatus != http.StatusBadRequest {
			t.Errorf("%s: %+v, want HTTP 400", q, res)
		}
	}

	// A plain GET still gets one JSON report.
	res, err = c.HTTP(context.Background(), "http://"+s.HTTPAddr()+"/", "")
	if err != nil || !res.OK || res.Stream != nil || res.Server.Seq != 0 {
		t.Fatalf("plain GET: %v %+v", err, res)
	}
}

// A proxy that buffers the whole answer delivers every chunk at once: the client's record shows
// it (the spread a check asserts is near zero), so buffering on the path cannot pass for streaming.
func TestStreamThroughABufferingProxy(t *testing.T) {
	s := startLoopback(t)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://"+s.HTTPAddr()+r.URL.RequestURI(), nil)
		req.Header.Set("Accept", r.Header.Get("Accept"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		_, _ = w.Write(body)
	}))
	defer proxy.Close()
	res, err := loopbackClient(t).Stream(context.Background(), proxy.URL+"/", "")
	if err != nil || res.Stream == nil || res.Stream.Chunks != DefaultStreamChunks {
		t.Fatalf("through the proxy: %v %+v", err, res)
	}
	if res.Stream.SpreadMillis() > 50 {
		t.Errorf("buffered chunks spread over %.0f ms, want them together", res.Stream.SpreadMillis())
	}
}
