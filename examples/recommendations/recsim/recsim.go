// Package recsim generates clickstream events and a product catalog for the
// reference pipeline (examples/recommendations), and recomputes the
// pipeline's two materialized views from them, independently of Eddy, for
// tests.
package recsim

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"time"
)

// TimeLayout is how event timestamps are written in JSON (a TIMESTAMP).
const TimeLayout = "2006-01-02 15:04:05.000"

// Event is one clickstream record, as JSON on the user_activity topic.
type Event struct {
	EventType string `json:"event_type"`
	UserID    int    `json:"user_id"`
	ProductID string `json:"product_id"`
	Timestamp string `json:"timestamp"`
}

// Product is one catalog record, as JSON on the product_catalog topic.
type Product struct {
	ProductID   string  `json:"product_id"`
	Name        string  `json:"name"`
	Category    string  `json:"category"`
	Price       float64 `json:"price"`
	Description string  `json:"description"`
	ImageURL    string  `json:"image_url"`
}

// Categories of the generated catalog.
var Categories = []string{"books", "games", "music", "garden", "toys", "tools"}

// Catalog returns n products p1..pn spread over Categories.
func Catalog(n int) []Product {
	out := make([]Product, n)
	for i := range out {
		id := i + 1
		out[i] = Product{
			ProductID:   fmt.Sprintf("p%d", id),
			Name:        fmt.Sprintf("Product %d", id),
			Category:    Categories[(id*7)%len(Categories)],
			Price:       float64(id%50) + 0.99,
			Description: fmt.Sprintf("Generated product %d", id),
			ImageURL:    fmt.Sprintf("https://example.com/p%d.png", id),
		}
	}
	return out
}

// Generator makes events: users 1..Users view (and sometimes add to cart)
// products p1..Products; times are within Spread before Now(), and a few
// are two days old (outside the recommendations' 24 hours).
type Generator struct {
	Users, Products int
	Spread          time.Duration
	Now             func() time.Time
	rng             *rand.Rand
}

// NewGenerator returns a deterministic generator for a seed.
func NewGenerator(seed int64, users, products int) *Generator {
	return &Generator{Users: users, Products: products, Spread: 20 * time.Minute, Now: time.Now, rng: rand.New(rand.NewSource(seed))}
}

// Next returns the next event.
func (g *Generator) Next() Event {
	typ := "page_view"
	switch g.rng.Intn(8) {
	case 0:
		typ = "add_to_cart"
	case 1:
		typ = "purchase"
	}
	ts := g.Now().Add(-time.Duration(g.rng.Int63n(int64(g.Spread))))
	if g.rng.Intn(30) == 0 {
		ts = ts.Add(-48 * time.Hour)
	}
	// Skewed popularity: low product numbers are viewed more.
	p := 1 + int(float64(g.Products)*g.rng.Float64()*g.rng.Float64())
	return Event{EventType: typ, UserID: 1 + g.rng.Intn(g.Users), ProductID: fmt.Sprintf("p%d", p), Timestamp: ts.UTC().Format(TimeLayout)}
}

// TrendingRow is one row of trending_products.
type TrendingRow struct {
	WindowStart time.Time
	ProductID   string
	ViewCount   int64
}

// Trending recomputes trending_products: page views per hour and product,
// the top 10 per hour by RANK (ties kept).
func Trending(events []Event) []TrendingRow {
	type key struct {
		w time.Time
		p string
	}
	counts := map[key]int64{}
	for _, e := range events {
		if e.EventType != "page_view" {
			continue
		}
		ts, err := time.Parse(TimeLayout, e.Timestamp)
		if err != nil {
			continue
		}
		counts[key{ts.Truncate(time.Hour), e.ProductID}]++
	}
	byWindow := map[time.Time][]TrendingRow{}
	for k, n := range counts {
		byWindow[k.w] = append(byWindow[k.w], TrendingRow{k.w, k.p, n})
	}
	var out []TrendingRow
	for _, rows := range byWindow {
		sort.Slice(rows, func(i, j int) bool { return rows[i].ViewCount > rows[j].ViewCount })
		for i, r := range rows {
			rank := i + 1
			for rank > 1 && rows[rank-2].ViewCount == r.ViewCount {
				rank--
			}
			if rank <= 10 {
				out = append(out, r)
			}
		}
	}
	return out
}

// Recommendations recomputes user_recommendations at time now: for each
// user, the products of their top 3 categories (RANK over page views in the
// last 24 hours joined with the catalog) that they have not viewed in that
// time, sorted.
func Recommendations(events []Event, catalog []Product, now time.Time) map[int][]string {
	since := now.Add(-24 * time.Hour)
	cat := map[string][]string{} // product -> categories (one row per catalog record)
	byCat := map[string][]string{}
	for _, p := range catalog {
		cat[p.ProductID] = append(cat[p.ProductID], p.Category)
		byCat[p.Category] = append(byCat[p.Category], p.ProductID)
	}
	viewed := map[int]map[string]bool{}
	catViews := map[int]map[string]int{}
	for _, e := range events {
		if e.EventType != "page_view" {
			continue
		}
		ts, err := time.Parse(TimeLayout, e.Timestamp)
		if err != nil || !ts.After(since) {
			continue
		}
		if viewed[e.UserID] == nil {
			viewed[e.UserID] = map[string]bool{}
			catViews[e.UserID] = map[string]int{}
		}
		viewed[e.UserID][e.ProductID] = true
		for _, c := range cat[e.ProductID] {
			catViews[e.UserID][c]++
		}
	}
	out := map[int][]string{}
	for u, cv := range catViews {
		for c, n := range cv {
			rank := 1
			for _, m := range cv {
				if m > n {
					rank++
				}
			}
			if rank > 3 {
				continue
			}
			for _, p := range byCat[c] {
				if !viewed[u][p] {
					out[u] = append(out[u], p)
				}
			}
		}
		if len(out[u]) > 0 {
			sort.Strings(out[u])
		}
	}
	return out
}

// FormatList renders a sorted product list like a Postgres text array.
func FormatList(ps []string) string {
	s := append([]string(nil), ps...)
	sort.Strings(s)
	return "{" + strings.Join(s, ",") + "}"
}
