"""Fail unless a pytest JUnit report shows tests ran, none failed and no browser test skipped."""

import sys
import xml.etree.ElementTree as ElementTree

root = ElementTree.parse(sys.argv[1]).getroot()  # noqa: S314 (our own pytest report)
cases = list(root.iter("testcase"))
failed = [
    case for case in cases if case.find("failure") is not None or case.find("error") is not None
]
browser = [case for case in cases if ".e2e." in case.get("classname", "")]
skipped_browser = [case for case in browser if case.find("skipped") is not None]
print(f"{sys.argv[1]}: {len(cases)} tests, {len(failed)} failed, {len(browser)} in the browser")
if not cases or failed or not browser or skipped_browser:
    sys.exit("CI check failed: no tests, failures, or browser tests missing or skipped")
