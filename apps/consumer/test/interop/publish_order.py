"""Publishes one order.placed.v1 event with pika, as the producer would.

Usage: python3 publish_order.py [ORDER_JSON]
Without ORDER_JSON it sends a sample order. Prints the orderId and the messageId it used.
RABBITMQ_URL and RABBITMQ_EXCHANGE are read like the services read them.
"""

import datetime
import json
import os
import sys
import uuid

import pika

url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@localhost:5672")
exchange = os.environ.get("RABBITMQ_EXCHANGE", "events")

order = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {
    "orderId": str(uuid.uuid4()),
    "customerId": "c-42",
    "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": 1250}],
    "currency": "EUR",
    "placedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
}
message_id = str(uuid.uuid4())  # the consumer drops a second delivery of the same id

connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
# Publisher confirms plus mandatory: basic_publish raises if the broker refuses the message or
# no queue is bound for its routing key, instead of losing it silently.
channel.confirm_delivery()
channel.basic_publish(
    exchange=exchange,
    routing_key="order.placed.v1",  # the pattern is the routing key
    body=json.dumps(order),  # a bare JSON payload; {"pattern", "data"} works too
    properties=pika.BasicProperties(
        content_type="application/json",
        delivery_mode=2,  # persistent
        message_id=message_id,
    ),
    mandatory=True,
)
connection.close()
print(json.dumps({"orderId": order["orderId"], "messageId": message_id}))
