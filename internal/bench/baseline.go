package bench

import (
	"context"
	"fmt"
	"time"

	json "github.com/goccy/go-json"
)

// The structs of the plain decode-loop baseline: what a hand-written Go
// consumer of the Nexmark JSON would decode into. Timestamps stay strings
// (the baseline does the least work a consumer can do).
type (
	jsonPerson struct {
		ID           int64  `json:"id"`
		Name         string `json:"name"`
		EmailAddress string `json:"email_address"`
		CreditCard   string `json:"credit_card"`
		City         string `json:"city"`
		State        string `json:"state"`
		DateTime     string `json:"date_time"`
		Extra        string `json:"extra"`
	}
	jsonAuction struct {
		ID          int64  `json:"id"`
		ItemName    string `json:"item_name"`
		Description string `json:"description"`
		InitialBid  int64  `json:"initial_bid"`
		Reserve     int64  `json:"reserve"`
		DateTime    string `json:"date_time"`
		Expires     string `json:"expires"`
		Seller      int64  `json:"seller"`
		Category    int64  `json:"category"`
		Extra       string `json:"extra"`
	}
	jsonBid struct {
		Auction  int64  `json:"auction"`
		Bidder   int64  `json:"bidder"`
		Price    int64  `json:"price"`
		Channel  string `json:"channel"`
		URL      string `json:"url"`
		DateTime string `json:"date_time"`
		Extra    string `json:"extra"`
	}
	jsonEvent struct {
		EventType int64        `json:"event_type"`
		Person    *jsonPerson  `json:"person"`
		Auction   *jsonAuction `json:"auction"`
		Bid       *jsonBid     `json:"bid"`
	}
)

// DecodeLoop decodes every record once with goccy/go-json into structs and
// returns a checksum (so the work cannot be optimised away).
func DecodeLoop(recs [][]byte) (int64, error) {
	var sum int64
	var ev jsonEvent
	for _, r := range recs {
		ev = jsonEvent{}
		if err := json.Unmarshal(r, &ev); err != nil {
			return 0, err
		}
		switch {
		case ev.Bid != nil:
			sum += ev.Bid.Price
		case ev.Auction != nil:
			sum += ev.Auction.ID
		case ev.Person != nil:
			sum += ev.Person.ID
		}
	}
	return sum, nil
}

// DecodeLoopBaseline generates the first n events as JSON (the same
// records --source kafka pre-loads) and returns how many the plain decode
// loop decodes per CPU second on one goroutine (at least 0.5 s of work).
func DecodeLoopBaseline(ctx context.Context, n int64) (float64, error) {
	recs, err := EventsJSON(ctx, min(n, 1_000_000))
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, fmt.Errorf("no events")
	}
	if _, err := DecodeLoop(recs); err != nil { // warm up
		return 0, err
	}
	start := Now()
	var done int64
	for Since(start).CPU < 500*time.Millisecond || done == 0 {
		if _, err := DecodeLoop(recs); err != nil {
			return 0, err
		}
		done += int64(len(recs))
	}
	_, perCPU := Since(start).Rate(done)
	return perCPU, nil
}
