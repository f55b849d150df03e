# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of PuhuriClient with HTTP stubbed at the transport adapter (the only place tests may stub HTTP)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible_collections.puhuri.core.plugins.module_utils._client import (
    PuhuriApiError, PuhuriClient, server_message,
)
from ansible_collections.puhuri.core.plugins.module_utils._uuids import is_uuid

TOKEN = 'fb580ac69b93b41650711f44ef3a699059aa5cbf'


class StubAdapter(BaseAdapter):
    """Answers from a function(request) -> (status, headers, body); records every request."""

    def __init__(self, answer):
        super(StubAdapter, self).__init__()
        self.answer = answer
        self.sent = []

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append(request)
        status, headers, body = self.answer(request)
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            response.headers.setdefault('Content-Type', 'application/json')
        response._content = (body or '').encode()  # pylint: disable=protected-access
        response.url = request.url
        response.request = request
        response.reason = {200: 'OK', 404: 'Not Found', 500: 'Internal Server Error'}.get(status, '')
        return response

    def close(self):
        pass


def make_client(answer, api_url='https://puhuri.example.org/api'):
    client = PuhuriClient(api_url, TOKEN)
    adapter = StubAdapter(answer)
    client.session.mount('https://', adapter)
    return client, adapter


def paged(items, page_size_cap=200):
    """A Waldur-like paginated list endpoint over `items`."""
    def answer(request):
        query = parse_qs(urlsplit(request.url).query)
        size = min(int(query.get('page_size', ['10'])[0]), page_size_cap)
        page = int(query.get('page', ['1'])[0])
        chunk = items[(page - 1) * size:page * size]
        links = ['<http://wrong-host/api/x/?page=1>; rel="first"']
        if page * size < len(items):
            links.append('<http://wrong-host/api/x/?page=%d&page_size=%d>; rel="next"' % (page + 1, size))
        return 200, {'X-Result-Count': str(len(items)), 'Link': ', '.join(links)}, chunk
    return answer


def test_every_path_gets_its_trailing_slash_and_the_token_header():
    client, adapter = make_client(lambda r: (200, {}, {'uuid': 'x'}))
    client.get('marketplace-provider-resources/abc')
    sent = adapter.sent[0]
    assert urlsplit(sent.url).path == '/api/marketplace-provider-resources/abc/'
    assert sent.headers['Authorization'] == 'Token ' + TOKEN
    assert TOKEN not in sent.url


def test_list_follows_next_pages_with_large_pages_and_sparse_fields():
    items = [{'uuid': '%032x' % i} for i in range(450)]
    client, adapter = make_client(paged(items))
    got = client.list('marketplace-provider-resources/', params={'state': ['Creating', 'OK'], 'name': None},
                      fields=['uuid', 'state'])
    assert got == items
    assert len(adapter.sent) == 3  # ceil(450 / 200)
    first = parse_qs(urlsplit(adapter.sent[0].url).query)
    assert first['page_size'] == ['200'] and first['field'] == ['uuid', 'state']
    assert first['state'] == ['Creating', 'OK'] and 'name' not in first
    # The next link's wrong host is not followed: only its page number is used.
    assert all(urlsplit(r.url).netloc == 'puhuri.example.org' for r in adapter.sent)
    assert parse_qs(urlsplit(adapter.sent[2].url).query)['page'] == ['3']


def test_list_fails_instead_of_returning_a_partial_list_when_a_page_errors():
    items = [{'uuid': '%032x' % i} for i in range(300)]
    pages = paged(items)

    def answer(request):
        if 'page=2' in request.url:
            return 502, {'Content-Type': 'text/html'}, '<html><title>Bad Gateway</title></html>'
        return pages(request)
    client, dummy = make_client(answer)
    client.retry_delay = 0  # the page keeps failing through every retry (tests/unit/test_retries.py)
    with pytest.raises(PuhuriApiError) as info:
        client.list('marketplace-provider-resources/')
    assert info.value.status == 502 and 'Bad Gateway' in str(info.value)


def test_list_fails_when_items_disagree_with_x_result_count():
    def answer(request):
        return 200, {'X-Result-Count': '5'}, [{'uuid': 'a'}]
    client, dummy = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list('marketplace-provider-resources/')
    assert 'X-Result-Count is 5' in str(info.value)


def test_list_fails_when_the_total_changes_between_pages():
    calls = []

    def answer(request):
        calls.append(1)
        total = 250 if len(calls) == 1 else 249
        links = '<https://puhuri.example.org/api/x/?page=2>; rel="next"' if len(calls) == 1 else ''
        return 200, {'X-Result-Count': str(total), 'Link': links}, [{'uuid': 'a'}] * (200 if len(calls) == 1 else 49)
    client, dummy = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list('marketplace-provider-resources/')
    assert 'changed while it was read' in str(info.value)


@pytest.mark.parametrize('status,headers,body,expected', [
    (409, {}, {'detail': 'Valid states for operation: pending-provider.'}, 'Valid states for operation: pending-provider.'),
    (400, {}, {'report': [{'body': ['This field is required.']}]}, 'report[0].body: This field is required.'),
    (400, {}, ['Pending order for resource already exists.'], 'Pending order for resource already exists.'),
    (400, {}, {'non_field_errors': ['These components are invalid: ram_gb.']}, 'These components are invalid: ram_gb.'),
    (500, {'Content-Type': 'text/html'}, '<!doctype html><html><head><title>Server Error (500)</title></head></html>',
     'HTML page: Server Error (500)'),
])
def test_errors_carry_method_path_status_and_the_servers_message(status, headers, body, expected):
    client, dummy = make_client(lambda r: (status, headers, body))
    with pytest.raises(PuhuriApiError) as info:
        client.post('marketplace-orders/abc/approve_by_provider/', body={'report': [{'header': 'h', 'body': 'SECRET'}]})
    error = info.value
    assert (error.method, error.path, error.status) == ('POST', '/api/marketplace-orders/abc/approve_by_provider/', status)
    assert error.message == expected
    assert str(error).startswith('POST /api/marketplace-orders/abc/approve_by_provider/ failed (HTTP %d): ' % status)
    assert TOKEN not in str(error) and 'SECRET' not in str(error)


def test_a_non_json_success_body_is_an_error_not_a_crash():
    client, dummy = make_client(lambda r: (200, {'Content-Type': 'text/html'}, '<html>maintenance</html>'))
    with pytest.raises(PuhuriApiError) as info:
        client.get('marketplace-provider-resources/')
    assert 'expected a JSON body' in str(info.value)


def test_empty_success_bodies_are_none():
    client, dummy = make_client(lambda r: (200, {}, ''))
    assert client.post('marketplace-orders/abc/approve_by_provider/') is None


def test_connection_errors_name_the_call_and_not_the_token():
    client = PuhuriClient('http://127.0.0.1:9/api/', TOKEN, timeout=2, retries=0)  # retries: test_retries.py
    with pytest.raises(PuhuriApiError) as info:
        client.get('users/me/')
    assert info.value.status is None
    assert str(info.value).startswith('GET /api/users/me/ failed (no HTTP answer): connection failed')
    assert TOKEN not in str(info.value)


def test_tls_settings_map_to_requests_verify(tmp_path):
    ca_file = str(tmp_path / 'ca.pem')
    assert PuhuriClient('https://h/api/', TOKEN).verify is True
    assert PuhuriClient('https://h/api/', TOKEN, ca_path=ca_file).verify == ca_file
    assert PuhuriClient('https://h/api/', TOKEN, validate_certs=False, ca_path=ca_file).verify is False


def test_uuid_forms():
    assert is_uuid('d1ef749f4116433ba14ff9268c6382cf')
    assert is_uuid('d1ef749f-4116-433b-a14f-f9268c6382cf')
    assert not is_uuid('not-a-uuid') and not is_uuid('d1ef749f4116433ba14ff9268c6382c')


def test_server_message_of_plain_text():
    response = requests.Response()
    response.status_code = 503
    response._content = b'upstream connect error'  # pylint: disable=protected-access
    response.headers = CaseInsensitiveDict({'Content-Type': 'text/plain'})
    assert server_message(response) == 'upstream connect error'
