package fakegitlab

import (
	"io"
	"net/http"
)

// GET /-/fake/stats.
func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	jsonReply(http.StatusOK, s.Stats()).write(w)
}

// POST /-/fake/stats/reset.
func (s *Server) handleStatsReset(w http.ResponseWriter, _ *http.Request) {
	s.ResetStats()
	w.WriteHeader(http.StatusNoContent)
}

// POST /-/fake/seed merges one more seed document: 200 with what it added, or 400 naming what is
// wrong, adding nothing.
func (s *Server) handleSeed(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		msgReply(http.StatusBadRequest, err.Error()).write(w)
		return
	}
	seed, err := decodeSeed(data)
	if err != nil {
		msgReply(http.StatusBadRequest, err.Error()).write(w)
		return
	}
	added, err := s.AddSeed(seed)
	if err != nil {
		msgReply(http.StatusBadRequest, err.Error()).write(w)
		return
	}
	if added == nil {
		added = []SeededDeployment{}
	}
	jsonReply(http.StatusOK, map[string]any{"deployments": added}).write(w)
}
