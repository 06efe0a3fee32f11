"""What `tsadlab-report` is made of: collecting runs, summary tables, statistics, figures and
the HTML index."""
