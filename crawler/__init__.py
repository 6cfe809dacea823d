"""Scrapy side of ecei-watch: the spider that reads the Bronze Label pages, and how a crawl runs."""
