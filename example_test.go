package eddy_test

import (
	"context"
	"fmt"
	"log"

	"github.com/eddysql/eddy"
)

func Example() {
	ctx := context.Background()
	db, err := eddy.Open(ctx, eddy.Options{}) // in memory
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	for _, sql := range []string{
		"CREATE TABLE orders (id int PRIMARY KEY, customer varchar, amount int)",
		"CREATE MATERIALIZED VIEW totals AS SELECT customer, sum(amount) AS total FROM orders GROUP BY customer",
		"INSERT INTO orders VALUES (1, 'ann', 10), (2, 'bob', 5), (3, 'ann', 7)",
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			log.Fatal(err)
		}
	}
	// The view follows every change; FLUSH makes the changes visible now.
	if _, err := db.Exec(ctx, "UPDATE orders SET amount = $1 WHERE id = $2", 20, 2); err != nil {
		log.Fatal(err)
	}
	if err := db.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query(ctx, "SELECT customer, total FROM totals ORDER BY customer")
	if err != nil {
		log.Fatal(err)
	}
	for rows.Next() {
		var customer string
		var total int64
		if err := rows.Scan(&customer, &total); err != nil {
			log.Fatal(err)
		}
		fmt.Println(customer, total)
	}
	// Output:
	// ann 17
	// bob 20
}
