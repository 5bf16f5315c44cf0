package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gitlabdeploy/terraform-provider-gitlabdeploy/internal/fakegitlab"
)

// auditDeployments and auditMergeRequests size the audit scenarios (issue 22's targets).
const (
	auditDeployments   = 500
	auditMergeRequests = 1000
)

// auditSeed is n successful production deployments, each shipping mrsEach merged merge requests
// of its own.
func auditSeed(n, mrsEach int) *fakegitlab.Seed {
	seed := baseSeed()
	p := &seed.Projects[0]
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := fakegitlab.At(start.Add(time.Duration(i) * time.Minute))
		var shipped []int64
		for range mrsEach {
			iid := int64(len(p.MergeRequests) + 1)
			p.MergeRequests = append(p.MergeRequests, fakegitlab.SeedMergeRequest{
				IID: iid, State: "merged", Author: "deployer", MergeUser: "approver", CreatedAt: at, MergedAt: at,
			})
			shipped = append(shipped, iid)
		}
		p.Deployments = append(p.Deployments, fakegitlab.SeedDeployment{
			Environment: protectedEnv, Ref: "main", SHA: mainSHA, Status: "success", User: "deployer",
			MergeRequests: shipped, CreatedAt: at, UpdatedAt: at, FinishedAt: at,
		})
	}
	return seed
}

// requestSpan records when requests whose path matches arrive: how many, and the time from the
// first to the last arrival plus one latency.
type requestSpan struct {
	match       *regexp.Regexp
	mu          sync.Mutex
	first, last time.Time
	count       int
}

func (s *requestSpan) fault(r *http.Request) fakegitlab.Fault {
	if s.match.MatchString(r.URL.EscapedPath()) {
		now := time.Now()
		s.mu.Lock()
		if s.count == 0 {
			s.first = now
		}
		s.last = now
		s.count++
		s.mu.Unlock()
	}
	return fakegitlab.FaultNone
}

func (s *requestSpan) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count = 0
}

// audits measures gitlabdeploy_deployments with both includes over 500 production deployments,
// and gitlabdeploy_deployed_merge_requests over 1,000 merge requests, behind latency.
func (b *bench) audits() error {
	latency := b.cfg.latency
	runs := b.cfg.runs
	perDeployment := &requestSpan{match: regexp.MustCompile(`/deployments/\d+(/merge_requests)?$`)}
	seed := auditSeed(auditDeployments, 1)
	// The second scenario's merge requests: ten more deployments of 100 each, to another environment.
	extra := auditSeed(auditMergeRequests/100, 100).Projects[0]
	for i := range extra.MergeRequests {
		extra.MergeRequests[i].IID += auditDeployments
	}
	for i := range extra.Deployments {
		extra.Deployments[i].Environment = historyEnv
		for j := range extra.Deployments[i].MergeRequests {
			extra.Deployments[i].MergeRequests[j] += auditDeployments
		}
	}
	seed.Projects[0].MergeRequests = append(seed.Projects[0].MergeRequests, extra.MergeRequests...)
	seed.Projects[0].Deployments = append(seed.Projects[0].Deployments, extra.Deployments...)
	mrPages := &requestSpan{match: regexp.MustCompile(`/projects/[^/]+/merge_requests$`)} // escaped: the project is one segment
	srv, err := fakegitlab.NewServer(seed, fakegitlab.Options{Latency: latency, Fault: func(r *http.Request) fakegitlab.Fault {
		perDeployment.fault(r)
		return mrPages.fault(r)
	}})
	if err != nil {
		return err
	}
	f := &fake{ctx: b.ctx, srv: srv}
	defer f.close()

	ws, err := b.tf.workspace("audit-includes")
	if err != nil {
		return err
	}
	if err := ws.write(providerHCL(f.url(), deployerToken) + fmt.Sprintf(`
data "gitlabdeploy_deployments" "period" {
  project                = %q
  environment            = %q
  include_approvals      = true
  include_merge_requests = true
}

output "listed" {
  value = length(data.gitlabdeploy_deployments.period.deployments)
}
`, benchProject, protectedEnv)); err != nil {
		return err
	}
	floor := (auditDeployments+99)/100 + 2*auditDeployments
	var s series
	var worstShare float64
	for range runs {
		perDeployment.reset()
		err := counted(f, &s, func() (result, error) {
			r, err := ws.plan()
			if err == nil && !strings.Contains(r.output, fmt.Sprintf("listed = %d\n", auditDeployments)) {
				err = fmt.Errorf("the plan did not list %d deployments:\n%s", auditDeployments, tail(r.output, 20))
			}
			return r, err
		})
		if err != nil {
			return err
		}
		span := perDeployment.last.Sub(perDeployment.first) + latency
		worstShare = max(worstShare, float64(span)/float64(time.Duration(perDeployment.count)*latency))
	}
	lo, hi := s.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("Data source: %d deployments with `include_approvals` and `include_merge_requests`, %s latency (`terraform plan`)",
			auditDeployments, latency),
		requests: s.requestsCell(fmt.Sprint(floor)),
		wall:     s.wallCell(),
		cpu:      s.cpuCell(),
		baseline: fmt.Sprintf("the %d per-deployment reads one after another: %s", 2*auditDeployments,
			seconds(time.Duration(2*auditDeployments)*latency)),
		ratio:   fmt.Sprintf("reads span %.2f of that", worstShare),
		peakRSS: s.rssCell(),
		load:    s.loadCell(),
		target:  fmt.Sprintf("%d requests; reads span ≤ 1/6 of one after another; provider peak RSS < 200 MiB", floor),
		met:     verdict(lo == floor && hi == floor && worstShare <= 1.0/6 && s.maxRSS() < 200*1024),
	})

	ws, err = b.tf.workspace("audit-deployed-mrs")
	if err != nil {
		return err
	}
	if err := ws.write(providerHCL(f.url(), deployerToken) + fmt.Sprintf(`
data "gitlabdeploy_deployed_merge_requests" "all" {
  project     = %q
  environment = %q
}

output "listed" {
  value = length(data.gitlabdeploy_deployed_merge_requests.all.merge_requests)
}
`, benchProject, historyEnv)); err != nil {
		return err
	}
	pages := auditMergeRequests / 100
	var m series
	worstShare = 0
	for range runs {
		mrPages.reset()
		err := counted(f, &m, func() (result, error) {
			r, err := ws.plan()
			if err == nil && !strings.Contains(r.output, fmt.Sprintf("listed = %d\n", auditMergeRequests)) {
				err = fmt.Errorf("the plan did not list %d merge requests:\n%s", auditMergeRequests, tail(r.output, 20))
			}
			return r, err
		})
		if err != nil {
			return err
		}
		span := mrPages.last.Sub(mrPages.first) + latency
		worstShare = max(worstShare, float64(span)/float64(time.Duration(mrPages.count)*latency))
	}
	lo, hi = m.requestRange()
	b.rep.add(row{
		operation: fmt.Sprintf("Data source: `gitlabdeploy_deployed_merge_requests` over %d merge requests, %s latency", auditMergeRequests, latency),
		requests:  m.requestsCell(fmt.Sprint(pages)),
		wall:      m.wallCell(),
		cpu:       m.cpuCell(),
		baseline:  fmt.Sprintf("the %d pages one after another: %s", pages, seconds(time.Duration(pages)*latency)),
		ratio:     fmt.Sprintf("pages span %.2f of that", worstShare),
		peakRSS:   m.rssCell(),
		load:      m.loadCell(),
		target:    fmt.Sprintf("%d page requests, read concurrently (span ≤ 1/2 of one after another)", pages),
		met:       verdict(lo == pages && hi == pages && worstShare <= 0.5),
	})
	return nil
}
