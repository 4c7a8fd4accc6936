#!/bin/sh
# The partner inquiries' curl commands from docs/api.md, as written there (host and token set here).
set -e
API=${API:-http://127.0.0.1:8000/api/v1}
TOKEN=${TOKEN:?set TOKEN to a partner API token}
# Send an inquiry: the county of arrest chooses the consulate.
curl -s -X POST "$API/partner/inquiries/" -H "Authorization: Token $TOKEN" \
  -H "Content-Type: application/json" -H "Idempotency-Key: family-2026-0412" \
  -d '{"arrest_county": "48201", "sharing_basis": "Written consent of the sister, 5 Dec 2026",
       "sought_given_names": "José Luis", "sought_paternal_surname": "Hernández",
       "sought_a_number": "A-201-555-123", "caller_name": "Rosa Hernández",
       "caller_phone": "+1 713 555 0142", "urgency": "normal"}' | tee "${TMPDIR:-/tmp}/inquiry-first.json"
echo
ID=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["id"])' "${TMPDIR:-/tmp}/inquiry-first.json")
echo "--- retry with the same key"
curl -s -i -X POST "$API/partner/inquiries/" -H "Authorization: Token $TOKEN" \
  -H "Content-Type: application/json" -H "Idempotency-Key: family-2026-0412" \
  -d '{"arrest_county": "48201", "sharing_basis": "Written consent of the sister, 5 Dec 2026",
       "sought_given_names": "José Luis", "sought_paternal_surname": "Hernández",
       "sought_a_number": "A-201-555-123", "caller_name": "Rosa Hernández",
       "caller_phone": "+1 713 555 0142", "urgency": "normal"}' | grep -i "^HTTP\|Idempotent-Replayed\|\"id\""
echo "--- follow it"
curl -s "$API/partner/inquiries/$ID/" -H "Authorization: Token $TOKEN"; echo
curl -s "$API/partner/inquiries/?status=open" -H "Authorization: Token $TOKEN"; echo
echo "--- without sharing_basis"
curl -s -X POST "$API/partner/inquiries/" -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" \
  -d '{"consulate": 1, "sought_paternal_surname": "Pérez"}'; echo
echo "--- Spanish"
curl -s -X POST "$API/partner/inquiries/" -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" -H "Accept-Language: es" \
  -d '{"sharing_basis": "x", "sought_paternal_surname": "Pérez"}'; echo
