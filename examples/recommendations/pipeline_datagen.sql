-- The reference pipeline with generated input: no Kafka, no Redis.
--
--   eddy run examples/recommendations/pipeline_datagen.sql
--   psql -h 127.0.0.1 -p 4566 -U root -d dev \
--        -c 'SELECT * FROM user_recommendations LIMIT 5'
--
-- Two datagen sources produce clicks and a catalog of 60 products; two views
-- give them the columns of the reference pipeline's sources, and the two
-- materialized views are exactly those of pipeline.sql. Click times are
-- random within the 30 minutes before the source starts ('now').

-- 50 clicks per second: a quarter are add_to_cart, the rest page views, by
-- 40 users over 60 products.
CREATE SOURCE activity_gen (
    kind INT,
    user_id INT,
    product INT,
    ts TIMESTAMP
) WITH (
    connector = 'datagen',
    fields.kind.min = '0',
    fields.kind.max = '3',
    fields.user_id.min = '1',
    fields.user_id.max = '40',
    fields.product.min = '1',
    fields.product.max = '60',
    fields.ts.kind = 'random',
    fields.ts.base = 'now',
    fields.ts.max_past = '30m',
    datagen.rows.per.second = '50'
);

-- The catalog: products 1..60, once.
CREATE SOURCE catalog_gen (
    id INT,
    price DOUBLE PRECISION
) WITH (
    connector = 'datagen',
    fields.id.kind = 'sequence',
    fields.id.start = '1',
    fields.id.end = '60',
    fields.price.min = '1',
    fields.price.max = '100',
    datagen.rows.per.second = '0'
);

CREATE VIEW user_activity_stream AS
SELECT
    CASE WHEN kind = 0 THEN 'add_to_cart' ELSE 'page_view' END AS event_type,
    user_id,
    'p' || product::VARCHAR AS product_id,
    ts AS timestamp
FROM activity_gen;

CREATE VIEW product_catalog AS
SELECT
    'p' || id::VARCHAR AS product_id,
    'Product ' || id::VARCHAR AS name,
    CASE id % 6
        WHEN 0 THEN 'books' WHEN 1 THEN 'games' WHEN 2 THEN 'music'
        WHEN 3 THEN 'garden' WHEN 4 THEN 'toys' ELSE 'tools'
    END AS category,
    price,
    'Generated product ' || id::VARCHAR AS description,
    'https://example.com/p' || id::VARCHAR || '.png' AS image_url
FROM catalog_gen;

-- Top 10 most viewed products per 1-hour tumbling window
CREATE MATERIALIZED VIEW trending_products AS
WITH windowed_views AS (
    SELECT
        window_start,
        product_id,
        COUNT(*) AS view_count
    FROM
        TUMBLE(user_activity_stream, timestamp, INTERVAL '1 hour')
    WHERE event_type = 'page_view'
    GROUP BY window_start, product_id
),
ranked_products AS (
    SELECT
        window_start,
        product_id,
        view_count,
        RANK() OVER (PARTITION BY window_start ORDER BY view_count DESC) AS rank
    FROM windowed_views
)
SELECT
    window_start,
    product_id,
    view_count
FROM ranked_products
WHERE rank <= 10;

-- Per-user recommendations from the top 3 categories viewed in the last 24 hours,
-- excluding products the user already viewed
CREATE MATERIALIZED VIEW user_recommendations AS
WITH recent_user_activity AS (
    SELECT user_id, product_id, timestamp
    FROM user_activity_stream
    WHERE event_type = 'page_view'
    AND timestamp > NOW() - INTERVAL '24 hours'
),
user_category_views AS (
    SELECT
        r.user_id,
        p.category,
        COUNT(*) AS category_views
    FROM recent_user_activity r
    JOIN product_catalog p ON r.product_id = p.product_id
    GROUP BY r.user_id, p.category
),
ranked_categories AS (
    SELECT
        user_id,
        category,
        category_views,
        RANK() OVER (PARTITION BY user_id ORDER BY category_views DESC) AS rank
    FROM user_category_views
),
recommendations AS (
    SELECT
        rc.user_id,
        p.product_id AS recommended_product_id
    FROM ranked_categories rc
    JOIN product_catalog p ON rc.category = p.category
    WHERE rc.rank <= 3
    AND p.product_id NOT IN (
        SELECT product_id FROM recent_user_activity WHERE user_id = rc.user_id
    )
)
SELECT
    user_id,
    array_agg(recommended_product_id) AS recommended_products
FROM recommendations
GROUP BY user_id;
