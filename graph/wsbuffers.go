package graph

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
)

// smallBuffers is the ResponseWriter handed to websocket.Accept: its
// Hijack gives the socket wsReadBuffer and wsWriteBuffer buffers instead of
// net/http's 4 KB ones, which coder/websocket keeps for the connection's
// life (larger messages are read and written through them in pieces), and
// keeps the connection and its reader for wsConn.wait.
type smallBuffers struct {
	http.ResponseWriter
	conn net.Conn
	br   *bufio.Reader
}

// Hijack implements http.Hijacker.
func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("graph: %T cannot hijack", w.ResponseWriter)
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Flush(); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	// Bytes the client sent after its handshake and net/http already read
	// stay first in line.
	var src io.Reader = conn
	n := brw.Reader.Buffered()
	if n > 0 {
		early, _ := brw.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn)
	}
	r := bufio.NewReaderSize(src, max(wsReadBuffer, n))
	if n > 0 {
		if _, err := r.Peek(n); err != nil {
			_ = conn.Close()
			return nil, nil, err
		}
	}
	w.conn, w.br = conn, r
	return conn, bufio.NewReadWriter(r, bufio.NewWriterSize(conn, wsWriteBuffer)), nil
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }
