"""Chain of custody: what CSOs carry to outside agencies, and the trips that carry it
(K-1 III.G evidence and item transports, III.W narcotics deliveries to the DOJ laboratory).

An item (CustodyItem: Tracked, SoftDeleted) is evidence, a lab sample, narcotics, a document
or property, with its case number, seal number, package condition and photos. Its chain is a
list of transfers (CustodyTransfer), each from the item's holder to a person, a unit or an
outside agency (with its address), at a time after the previous one, accepted by both
parties' signatures drawn with a finger (PNG images kept in storage with their SHA-256). A
broken seal or a changed condition is recorded on the transfer; transfers are never edited.
A trip (Transport: Tracked, SoftDeleted) carries items (TransportItem) to a destination
agency; each item is scanned or typed at pick-up and at drop-off, and the trip closes only
when every item is delivered, with the laboratory's receipt number for narcotics and a second
witness when the department's setting (custody.narcotics_witness_required) requires one.
Asset seizures (AssetSeizure, K-1 III.Y) and unit supplies (SupplyItem, SupplyMovement,
K-1 III.X) are kept here too. Trips are a record type, so a Senior CSO assigns one like any
work (cso_field/assignments).
A lab sample (K-1 III.V) may instead be mailed (LabMailing: carrier, tracking number, date,
laboratory), after which it is no longer in hand; samples the laboratory has not confirmed
after custody.lab_confirmation_days (default 10) are listed as overdue.

Staff (blueprint `custody` in routes.py, templates/custody/):
- /custody/                          items, newest first (all, or mine)    index.html, _rows.html
- /custody/new                       record a collected item, with photos   new.html,
                                                                            _item_form.html
- /custody/<id>                      the item, its chain with signatures    item.html
- /custody/<id>/form, /form.pdf      the printable custody form and its PDF custody_form.html
- /custody/transfers/<id>/<giver|receiver>.png   a signature image
- /custody/handover                  hand items over, both sign; with ?transport=&step= a
                                     trip's pick-up or drop-off    handover.html,
                                                   _handover_form.html, _signature_pad.html
- /custody/transports/, /new, /<id>, /<id>/close   trips     transports.html, new_transport.html,
                                                             transport.html, _close_form.html
- /custody/samples (?show=overdue)   samples waiting for the laboratory   samples.html
- /custody/<id>/mail                 record a sample's mailing            mail.html, _mail_form.html
- /custody/mailings/<id>/receipt     the laboratory confirmed receipt     _receipt_form.html
- /custody/seizures/, /new, /<id>, /<id>/state (Senior CSO), /<id>/<first|second>.png,
  /seizures/report (Senior CSO)      asset seizures: property and values, cash counted by two
                                     different signers, review → held → released, forfeited
                                     or returned; totals by period   seizures.html, seizure.html,
                                     new_seizure.html, seizure_report.html
- /custody/supplies/, /new (Senior CSO), /<id>, /<id>/move   unit supplies of the gang, vice
                                     and narcotics units: issued and returned signed for,
                                     low stock listed (and a Today card for Senior CSOs)
                                     supplies.html, supply.html, _today_supplies.html
The signature pad is static/js/signature-pad.js (pointer events; no inline script).

Files: models.py, forms.py, services.py (rules, coded errors, lists, registration), routes.py,
retention.py (the person an item came from: seven years), demo.py.
Tests: tests/custody/, tests/e2e/test_custody.py.
"""
