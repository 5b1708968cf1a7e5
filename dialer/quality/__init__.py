"""Quality and pay: complaints, QA review, SMS satisfaction and the service coefficient."""
