package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// ExecResult is what a command run in a container printed, and how it exited.
type ExecResult struct {
	Stdout, Stderr []byte
	ExitCode       int
}

// Exec runs cmd in the running container name through the engine's exec API ('docker exec'),
// feeding it stdin when not nil, and returns its standard output and error apart and its exit code.
// A non-zero exit is not an error; failing to run the command is, and so is ctx ending first (the
// connection is closed then, and the result holds what was read).
func (e *Engine) Exec(ctx context.Context, name string, cmd []string, stdin io.Reader) (ExecResult, error) {
	var res ExecResult
	cr, err := e.c.ExecCreate(ctx, name, client.ExecCreateOptions{
		Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: stdin != nil,
	})
	if err != nil {
		return res, fmt.Errorf("exec in container %s: %w", name, err)
	}
	at, err := e.c.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return res, fmt.Errorf("exec in container %s: attach: %w", name, err)
	}
	defer at.Close()
	stop := context.AfterFunc(ctx, at.Close)
	defer stop()
	// fed is what went wrong reading stdin. Writing to the command may fail without harm: a command
	// that has what it needs (ctr stops at the archive's end marker, before the padding after it)
	// exits without reading the rest, and its exit code tells how it went.
	fed := make(chan error, 1)
	if stdin != nil {
		go func() {
			src := &readErrors{r: stdin}
			_, _ = io.Copy(at.Conn, src)
			_ = at.CloseWrite()
			fed <- src.err
		}()
	} else {
		fed <- nil
	}
	var stdout, stderr bytes.Buffer
	_, rerr := stdcopy.StdCopy(&stdout, &stderr, at.Reader)
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	at.Close() // unblocks a feeder the command stopped reading
	ferr := <-fed
	if ctx.Err() != nil {
		return res, fmt.Errorf("exec %v in container %s: %w", cmd, name, ctx.Err())
	}
	if rerr != nil {
		return res, fmt.Errorf("exec %v in container %s: read its output: %w", cmd, name, rerr)
	}
	// The stream ends as the command exits; the engine may record the exit code a moment later.
	var ins client.ExecInspectResult
	for i := 0; ; i++ {
		ins, err = e.c.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
		if err != nil {
			return res, fmt.Errorf("exec %v in container %s: read its exit code: %w", cmd, name, err)
		}
		if !ins.Running || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.ExitCode = ins.ExitCode
	if ferr != nil && res.ExitCode == 0 {
		return res, fmt.Errorf("exec %v in container %s: feed its input: %w", cmd, name, ferr)
	}
	return res, nil
}

// readErrors remembers the first error of r other than its end.
type readErrors struct {
	r   io.Reader
	err error
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}
