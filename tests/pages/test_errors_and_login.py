"""Readable error pages, login and logout."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_404_is_a_readable_page(client, rep):
    client.force_login(rep)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We couldn" in response.content and b"app.css" in response.content


def test_500_is_a_readable_page(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_login_page_and_login_flow(rep, program):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b"Sign in to Lead Scoring" in page.content
    wrong = client.post(reverse("login"), {"username": "rita", "password": "nope"})
    assert b"did not match" in wrong.content
    ok = client.post(reverse("login"), {"username": "rita", "password": "pw-rita"})
    assert ok.status_code == 302
    assert client.get("/").url == reverse("leads")


def test_logout_is_a_post(client, rep):
    client.force_login(rep)
    page = client.get(reverse("leads"))
    assert b'action="/accounts/logout/"' in page.content
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("leads")).status_code == 302  # back to the login page


def test_favicon_and_plotly_are_served_locally(client, program):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/plotly.min.js")
    assert finders.find("img/favicon.svg")
    assert finders.find("css/app.css")
