"""Asks the consumer for a quote with pika: request/response over direct reply-to.

Usage: python3 quote.py QUOTE_REQUEST_JSON
Prints the reply (its correlation_id, headers and JSON body) and the ids the request carried.
Exit code 0 on a reply (also an error reply), 1 when none came within the timeout.
"""

import json
import os
import sys
import time
import uuid

import pika

url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@localhost:5672")
exchange = os.environ.get("RABBITMQ_EXCHANGE", "events")
timeout_seconds = 5

request = sys.argv[1]
correlation_id = str(uuid.uuid4())  # what the reply is matched by
message_id = str(uuid.uuid4())  # set too, as many clients do: it does not change the matching
replies = []

connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()


def on_reply(_channel, _method, properties, body):
    if properties.correlation_id == correlation_id:
        replies.append((properties, body))


# Raises UnroutableError at once when no request queue is bound (the consumer never started).
channel.confirm_delivery()
# Direct reply-to: consume the pseudo-queue (no ack) on the channel that publishes the request.
channel.basic_consume("amq.rabbitmq.reply-to", on_reply, auto_ack=True)
channel.basic_publish(
    exchange=exchange,
    routing_key="order.quote.v1",
    body=request,  # bare JSON: the reply is bare JSON too
    properties=pika.BasicProperties(
        content_type="application/json",
        reply_to="amq.rabbitmq.reply-to",
        correlation_id=correlation_id,
        message_id=message_id,
        expiration=str(timeout_seconds * 1000),  # nobody works on a request we gave up on
    ),
    mandatory=True,
)
deadline = time.monotonic() + timeout_seconds
while not replies and time.monotonic() < deadline:
    connection.process_data_events(time_limit=0.1)
connection.close()
if not replies:
    sys.exit(f"no reply within {timeout_seconds} s")

properties, body = replies[0]
print(
    json.dumps(
        {
            "request": {"correlationId": correlation_id, "messageId": message_id},
            "correlationId": properties.correlation_id,
            "headers": properties.headers or {},
            "body": json.loads(body),
        }
    )
)
