"""The API's views, one module per resource, each with its OpenAPI text and examples beside its views."""
