"""Minor-unit digits of every currency code, read without Babel (DESIGN.md §10: start-up).

Settings check their currency when the till starts; reading Babel's currency data for that
cost ~20 ms, a tenth of the time to the first screen. The table below is Babel's (CLDR's)
own data, so amounts parse exactly as Babel formats them: the codes of Babel's
``all_currencies`` (current and historic) by their ``get_currency_precision``.
``tests/test_money.py`` checks it against the installed Babel; when Babel's data changes,
``python -m cashier_tui.currencies`` prints the table again.
"""

from __future__ import annotations

_BY_DIGITS = {
    0: """
    ADP AFN ALL BIF BYR CLP COP DJF ESP GNF HUF IDR IQD IRR ISK ITL JPY KMF KPW KRW LAK
    LBP LUF MGA MGF MMK MRO PYG RWF SLL SOS STD SYP TMM TRL UGX UYI VND VUV XAF XOF XPF
    YER ZMK ZWD
    """,
    2: """
    AED AFA ALK AMD ANG AOA AOK AON AOR ARA ARL ARM ARP ARS ATS AUD AWG AZM AZN BAD BAM
    BAN BBD BDT BEC BEF BEL BGL BGM BGN BGO BMD BND BOB BOL BOP BOV BRB BRC BRE BRL BRN
    BRR BRZ BSD BTN BUK BWP BYB BYN BZD CAD CDF CHE CHF CHW CLE CNH CNY COU CRC CSD CSK
    CUC CUP CVE CYP CZK DDM DEM DKK DOP DZD ECS ECV EEK EGP ERN ESA ESB ETB EUR FIM FJD
    FKP FRF GBP GEK GEL GHC GHS GIP GMD GNS GQE GRD GTQ GWE GWP GYD HKD HNL HRD HRK HTG
    IEP ILP ILR ILS INR ISJ JMD KES KGS KHR KRH KRO KYD KZT LKR LRD LSL LTL LTT LUC LUL
    LVL LVR MAD MAF MCF MDC MDL MKD MKN MLF MNT MOP MRU MTL MTP MUR MVP MVR MWK MXN MXP
    MXV MYR MZE MZM MZN NAD NGN NIC NIO NLG NOK NPR NZD PAB PEI PEN PES PGK PHP PKR PLN
    PLZ PTE QAR RHD ROL RON RSD RUB RUR SAR SBD SCR SDD SDG SDP SEK SGD SHP SIT SKK SLE
    SRD SRG SSP STN SUR SVC SZL THB TJR TJS TMT TOP TPE TRY TTD TWD TZS UAH UAK UGS USD
    USN USS UYP UYU UZS VEB VED VEF VES VNN WST XAD XAG XAU XBA XBB XBC XBD XCD XCG XDR
    XEU XFO XFU XPD XPT XRE XSU XTS XUA XXX YDD YUD YUM YUN YUR ZAL ZAR ZMW ZRN ZRZ ZWG
    ZWL ZWR
    """,
    3: """
    BHD JOD KWD LYD OMR TND
    """,
    4: """
    CLF UYW
    """,
}

EXPONENTS: dict[str, int] = {code: digits for digits, codes in _BY_DIGITS.items()
                             for code in codes.split()}


def _generate() -> str:  # pragma: no cover - run by hand when Babel's data changes
    """The ``_BY_DIGITS`` table above, from the installed Babel."""
    import textwrap

    from babel.core import get_global
    from babel.numbers import get_currency_precision

    by: dict[int, list[str]] = {}
    for code in sorted(get_global("all_currencies")):
        by.setdefault(get_currency_precision(code), []).append(code)
    rows = [f'    {digits}: """\n' + textwrap.fill(" ".join(codes), 88, initial_indent="    ",
                                                 subsequent_indent="    ") + '\n    """,'
            for digits, codes in sorted(by.items())]
    return "_BY_DIGITS = {\n" + "\n".join(rows) + "\n}\n"


if __name__ == "__main__":  # pragma: no cover
    print(_generate(), end="")
