-- Reports (issue 15) count a brand's replies the platform accepted over any date range: this
-- index reads them by brand and time without scanning every reply of the install.
create index replies_sent_by_brand on replies (brand_id, sent_at) where state = 'sent' and action = 'reply';
