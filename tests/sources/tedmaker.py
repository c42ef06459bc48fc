"""TED notices written by the tests: eForms (UBL) and TED_EXPORT R2.0.9, with the official schemas'
element structure and invented content."""

from __future__ import annotations

EFORMS_NS = (
    'xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2" '
    'xmlns:efac="http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1" '
    'xmlns:efbc="http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1" '
    'xmlns:efext="http://data.europa.eu/p27/eforms-ubl-extensions/1"'
)


def _document(root: str, body: str) -> bytes:
    namespaces = EFORMS_NS.format(root=root)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {namespaces}>{body}</{root}>'.encode()


def organisation(org_id: str, name: str, nuts: str, country: str) -> str:
    return (
        "<efac:Organization><efac:Company>"
        "<cac:PartyIdentification>"
        f'<cbc:ID schemeName="organization">{org_id}</cbc:ID></cac:PartyIdentification>'
        f'<cac:PartyName><cbc:Name languageID="DEU">{name}</cbc:Name></cac:PartyName>'
        "<cac:PostalAddress><cbc:CityName>Musterstadt</cbc:CityName>"
        f'<cbc:CountrySubentityCode listName="nuts">{nuts}</cbc:CountrySubentityCode>'
        "<cac:Country>"
        f'<cbc:IdentificationCode listName="country">{country}</cbc:IdentificationCode></cac:Country>'
        "</cac:PostalAddress>"
        "<cac:Contact><cbc:Name>Erika Mustermann</cbc:Name><cbc:Telephone>+49 30 1234567</cbc:Telephone>"
        "<cbc:ElectronicMail>vergabe@example.org</cbc:ElectronicMail></cac:Contact>"
        "</efac:Company></efac:Organization>"
    )


def lot(lot_id: str, name: str, cpv: str, estimate: str) -> str:
    return (
        f'<cac:ProcurementProjectLot><cbc:ID schemeName="Lot">{lot_id}</cbc:ID>'
        "<cac:ProcurementProject>"
        f'<cbc:Name languageID="ENG">{name} (English)</cbc:Name><cbc:Name languageID="DEU">{name}</cbc:Name>'
        f'<cbc:Description languageID="DEU">{name}: Lieferung und Montage.</cbc:Description>'
        "<cac:RequestedTenderTotal>"
        f'<cbc:EstimatedOverallContractAmount currencyID="EUR">{estimate}'
        "</cbc:EstimatedOverallContractAmount>"
        "</cac:RequestedTenderTotal>"
        "<cac:MainCommodityClassification>"
        f'<cbc:ItemClassificationCode listName="cpv">{cpv}</cbc:ItemClassificationCode>'
        "</cac:MainCommodityClassification>"
        "</cac:ProcurementProject></cac:ProcurementProjectLot>"
    )


def lot_tender(tender: str, party: str, lot_id: str, price: str) -> str:
    return (
        f'<efac:LotTender><cbc:ID schemeName="tender">{tender}</cbc:ID><cbc:RankCode>1</cbc:RankCode>'
        f'<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">{price}</cbc:PayableAmount>'
        "</cac:LegalMonetaryTotal>"
        f'<efac:TenderingParty><cbc:ID schemeName="tendering-party">{party}</cbc:ID></efac:TenderingParty>'
        f'<efac:TenderLot><cbc:ID schemeName="Lot">{lot_id}</cbc:ID></efac:TenderLot></efac:LotTender>'
    )


def award_notice() -> bytes:
    """A contract award notice: two lots, lot 1 won by a group of two, lot 2 by one company, and a
    losing tender whose tenderer must not count as a winner."""
    result = (
        "<efac:NoticeResult>"
        '<cbc:TotalAmount currencyID="EUR">1250000.50</cbc:TotalAmount>'
        '<efac:LotResult><cbc:ID schemeName="result">RES-0001</cbc:ID>'
        '<cbc:TenderResultCode listName="winner-selection-status">selec-w</cbc:TenderResultCode>'
        '<efac:LotTender><cbc:ID schemeName="tender">TEN-0001</cbc:ID></efac:LotTender>'
        '<efac:TenderLot><cbc:ID schemeName="Lot">LOT-0001</cbc:ID></efac:TenderLot></efac:LotResult>'
        '<efac:LotResult><cbc:ID schemeName="result">RES-0002</cbc:ID>'
        '<cbc:TenderResultCode listName="winner-selection-status">selec-w</cbc:TenderResultCode>'
        '<efac:LotTender><cbc:ID schemeName="tender">TEN-0002</cbc:ID></efac:LotTender>'
        '<efac:TenderLot><cbc:ID schemeName="Lot">LOT-0002</cbc:ID></efac:TenderLot></efac:LotResult>'
        + lot_tender("TEN-0001", "TPA-0001", "LOT-0001", "1000000.50")
        + lot_tender("TEN-0002", "TPA-0002", "LOT-0002", "250000")
        + lot_tender("TEN-0003", "TPA-0003", "LOT-0002", "990000")
        + '<efac:SettledContract><cbc:ID schemeName="contract">CON-0001</cbc:ID>'
        '<efac:LotTender><cbc:ID schemeName="tender">TEN-0001</cbc:ID>'
        "</efac:LotTender></efac:SettledContract>"
        '<efac:TenderingParty><cbc:ID schemeName="tendering-party">TPA-0001</cbc:ID>'
        '<efac:Tenderer><cbc:ID schemeName="organization">ORG-0002</cbc:ID>'
        "<efbc:GroupLeadIndicator>true</efbc:GroupLeadIndicator></efac:Tenderer>"
        '<efac:Tenderer><cbc:ID schemeName="organization">ORG-0003</cbc:ID>'
        "</efac:Tenderer></efac:TenderingParty>"
        '<efac:TenderingParty><cbc:ID schemeName="tendering-party">TPA-0002</cbc:ID>'
        '<efac:Tenderer><cbc:ID schemeName="organization">ORG-0004</cbc:ID>'
        "</efac:Tenderer></efac:TenderingParty>"
        '<efac:TenderingParty><cbc:ID schemeName="tendering-party">TPA-0003</cbc:ID>'
        '<efac:Tenderer><cbc:ID schemeName="organization">ORG-0005</cbc:ID>'
        "</efac:Tenderer></efac:TenderingParty>"
        "</efac:NoticeResult>"
    )
    orgs = "".join(
        (
            organisation("ORG-0001", "Polizeipräsidium Musterstadt", "DE300", "DEU"),
            organisation("ORG-0002", "Beispiel Sicherheitstechnik GmbH", "DE212", "DEU"),
            organisation("ORG-0003", "Muster Kameratechnik AG", "DE212", "DEU"),
            organisation("ORG-0004", "Videoanlagen Nord GmbH", "DEF02", "DEU"),
            organisation("ORG-0005", "Verlierer Elektro KG", "DEF02", "DEU"),
        )
    )
    body = (
        "<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension>"
        f"{result}"
        "<efac:NoticeSubType>"
        '<cbc:SubTypeCode listName="notice-subtype">29</cbc:SubTypeCode></efac:NoticeSubType>'
        f"<efac:Organizations>{orgs}</efac:Organizations>"
        "<efac:Publication>"
        '<efbc:NoticePublicationID schemeName="ojs-notice-id">00123456-2024</efbc:NoticePublicationID>'
        "<efbc:PublicationDate>2024-03-05Z</efbc:PublicationDate></efac:Publication>"
        "</efext:EformsExtension></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>"
        "<cbc:CustomizationID>eforms-sdk-1.10</cbc:CustomizationID>"
        '<cbc:ID schemeName="notice-id">0b5c7e1a-0000-4000-8000-000000000001</cbc:ID>'
        "<cbc:ContractFolderID>7d3e2a10-0000-4000-8000-000000000002</cbc:ContractFolderID>"
        "<cbc:IssueDate>2024-03-01+01:00</cbc:IssueDate>"
        '<cbc:NoticeTypeCode listName="result">can-standard</cbc:NoticeTypeCode>'
        "<cbc:NoticeLanguageCode>DEU</cbc:NoticeLanguageCode>"
        "<cac:ContractingParty><cac:Party><cac:PartyIdentification>"
        '<cbc:ID schemeName="organization">ORG-0001</cbc:ID></cac:PartyIdentification></cac:Party>'
        "</cac:ContractingParty>"
        "<cac:ProcurementProject>"
        '<cbc:Name languageID="ENG">Video surveillance of public squares</cbc:Name>'
        '<cbc:Name languageID="DEU">Videoüberwachung öffentlicher Plätze</cbc:Name>'
        '<cbc:Description languageID="DEU">Lieferung von Kameras und Rahmenvertrag '
        "für die Wartung.</cbc:Description>"
        "<cac:MainCommodityClassification>"
        '<cbc:ItemClassificationCode listName="cpv">35125300</cbc:ItemClassificationCode>'
        "</cac:MainCommodityClassification>"
        "<cac:RealizedLocation><cac:Address>"
        '<cbc:CountrySubentityCode listName="nuts">DE300</cbc:CountrySubentityCode>'
        '<cac:Country><cbc:IdentificationCode listName="country">DEU</cbc:IdentificationCode></cac:Country>'
        "</cac:Address></cac:RealizedLocation>"
        "</cac:ProcurementProject>"
        + lot("LOT-0001", "Kameras", "32323500", "1100000")
        + lot("LOT-0002", "Wartung", "50343000", "300000")
    )
    root = "ContractAwardNotice"
    return _document(root, body)


def contract_notice() -> bytes:
    """A contract notice in Greek territory (NUTS EL303, country GRC) with an estimated value."""
    root = "ContractNotice"
    body = (
        "<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension>"
        "<efac:Organizations>"
        + organisation("ORG-0001", "Dimos Paradeigmatos", "EL303", "GRC")
        + "</efac:Organizations></efext:EformsExtension></ext:ExtensionContent>"
        "</ext:UBLExtension></ext:UBLExtensions>"
        '<cbc:ID schemeName="notice-id">0b5c7e1a-0000-4000-8000-000000000003</cbc:ID>'
        "<cbc:IssueDate>2024-05-02Z</cbc:IssueDate>"
        '<cbc:NoticeTypeCode listName="competition">cn-standard</cbc:NoticeTypeCode>'
        "<cbc:NoticeLanguageCode>ENG</cbc:NoticeLanguageCode>"
        "<cac:ContractingParty><cac:Party><cac:PartyIdentification>"
        '<cbc:ID schemeName="organization">ORG-0001</cbc:ID></cac:PartyIdentification></cac:Party>'
        "</cac:ContractingParty>"
        '<cac:ProcurementProject><cbc:Name languageID="ENG">Framework contract for number plate '
        "recognition cameras</cbc:Name>"
        "<cac:RequestedTenderTotal>"
        '<cbc:EstimatedOverallContractAmount currencyID="EUR">480000</cbc:EstimatedOverallContractAmount>'
        "</cac:RequestedTenderTotal>"
        "<cac:MainCommodityClassification>"
        '<cbc:ItemClassificationCode listName="cpv">32323500</cbc:ItemClassificationCode>'
        "</cac:MainCommodityClassification></cac:ProcurementProject>"
    )
    return _document(root, body)


def legacy_award(version: str = "R2.0.9") -> bytes:
    """A TED_EXPORT F03 contract award notice (two awarded contracts, a contact person to leave out)."""
    contractor = (
        '<AWARD_CONTRACT ITEM="{item}"><LOT_NO>{item}</LOT_NO><AWARDED_CONTRACT><CONTRACTORS><CONTRACTOR>'
        '<ADDRESS_CONTRACTOR><OFFICIALNAME>{name}</OFFICIALNAME><TOWN>Oslo</TOWN><COUNTRY VALUE="NO"/>'
        '<E_MAIL>post@example.no</E_MAIL><n2016:NUTS CODE="NO011"/></ADDRESS_CONTRACTOR></CONTRACTOR>'
        '</CONTRACTORS><VALUES><VAL_TOTAL CURRENCY="NOK">{value}</VAL_TOTAL></VALUES>'
        "</AWARDED_CONTRACT></AWARD_CONTRACT>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TED_EXPORT xmlns="http://publications.europa.eu/resource/schema/ted/{version}/publication" '
        'xmlns:n2016="http://publications.europa.eu/resource/schema/ted/2016/nuts" '
        f'DOC_ID="123456-2020" EDITION="2020064" VERSION="{version}.S03.E01">'
        "<CODED_DATA_SECTION><REF_OJS><COLL_OJ>S</COLL_OJ><DATE_PUB>20200331</DATE_PUB></REF_OJS>"
        "<NOTICE_DATA><NO_DOC_OJS>2020/S 064-123456</NO_DOC_OJS>"
        "<URI_LIST>"
        '<URI_DOC LG="EN">http://ted.europa.eu/udl?uri=TED:NOTICE:123456-2020:TEXT:EN:HTML</URI_DOC>'
        '</URI_LIST><LG_ORIG>EN</LG_ORIG><ISO_COUNTRY VALUE="NO"/>'
        '<ORIGINAL_CPV CODE="35125300">Security cameras</ORIGINAL_CPV>'
        '<n2016:PERFORMANCE_NUTS CODE="NO011">Oslo</n2016:PERFORMANCE_NUTS>'
        '<VALUES><VALUE TYPE="PROCUREMENT_TOTAL" CURRENCY="NOK">900000.00</VALUE></VALUES></NOTICE_DATA>'
        '<CODIF_DATA><TD_DOCUMENT_TYPE CODE="7">Contract award notice</TD_DOCUMENT_TYPE></CODIF_DATA>'
        "</CODED_DATA_SECTION>"
        '<TRANSLATION_SECTION><ML_TITLES><ML_TI_DOC LG="EN"><TI_CY>Norway</TI_CY><TI_TOWN>Oslo</TI_TOWN>'
        "<TI_TEXT><P>Security cameras</P></TI_TEXT></ML_TI_DOC></ML_TITLES>"
        '<ML_AA_NAMES><AA_NAME LG="EN">Oslo kommune</AA_NAME></ML_AA_NAMES></TRANSLATION_SECTION>'
        "<FORM_SECTION>"
        '<F03_2014 CATEGORY="TRANSLATION" FORM="F03" LG="DE"><OBJECT_CONTRACT><TITLE><P>Überwachungskameras'
        "</P></TITLE></OBJECT_CONTRACT></F03_2014>"
        '<F03_2014 CATEGORY="ORIGINAL" FORM="F03" LG="EN">'
        "<CONTRACTING_BODY><ADDRESS_CONTRACTING_BODY>"
        "<OFFICIALNAME>Oslo kommune, Politiets avdeling</OFFICIALNAME>"
        '<TOWN>Oslo</TOWN><COUNTRY VALUE="NO"/><CONTACT_POINT>Ola Nordmann</CONTACT_POINT>'
        '<PHONE>+47 22 00 00 00</PHONE><n2016:NUTS CODE="NO011"/>'
        "</ADDRESS_CONTRACTING_BODY></CONTRACTING_BODY>"
        "<OBJECT_CONTRACT><TITLE><P>CCTV cameras for the city centre</P></TITLE>"
        '<REFERENCE_NUMBER>2019/77</REFERENCE_NUMBER><CPV_MAIN><CPV_CODE CODE="35125300"/></CPV_MAIN>'
        "<SHORT_DESCR><P>Supply and installation of CCTV cameras.</P>"
        "<P>Contract for five years.</P></SHORT_DESCR>"
        '<VAL_TOTAL CURRENCY="NOK">900000.00</VAL_TOTAL>'
        '<OBJECT_DESCR ITEM="1"><TITLE><P>Cameras</P></TITLE><LOT_NO>1</LOT_NO></OBJECT_DESCR>'
        '<OBJECT_DESCR ITEM="2"><TITLE><P>Maintenance</P></TITLE><LOT_NO>2</LOT_NO></OBJECT_DESCR>'
        "</OBJECT_CONTRACT>"
        + contractor.format(item=1, name="Nordisk Kamera AS", value="700000.00")
        + contractor.format(item=2, name="Vedlikehold Service AS", value="200000.00")
        + "</F03_2014></FORM_SECTION></TED_EXPORT>"
    ).encode()


def legacy_award_r208() -> bytes:
    """A TED_EXPORT R2.0.8 CONTRACT_AWARD form: the pre-2014 names, a value written with spaces and a
    decimal comma."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TED_EXPORT xmlns="http://publications.europa.eu/TED_schema/Export" DOC_ID="346910-2016" '
        'VERSION="R2.0.8.S02.E01">'
        "<CODED_DATA_SECTION><REF_OJS><DATE_PUB>20161206</DATE_PUB></REF_OJS>"
        '<NOTICE_DATA><LG_ORIG>DE</LG_ORIG><ISO_COUNTRY VALUE="CH"/>'
        '<ORIGINAL_CPV CODE="32323500">Videoüberwachungssystem</ORIGINAL_CPV></NOTICE_DATA>'
        '<CODIF_DATA><TD_DOCUMENT_TYPE CODE="7">Bekanntmachung über vergebene Aufträge</TD_DOCUMENT_TYPE>'
        "</CODIF_DATA></CODED_DATA_SECTION>"
        '<FORM_SECTION><CONTRACT_AWARD CATEGORY="ORIGINAL" FORM="3" LG="DE"><FD_CONTRACT_AWARD>'
        "<CONTRACTING_AUTHORITY_INFORMATION_CONTRACT_AWARD><NAME_ADDRESSES_CONTACT_CONTRACT_AWARD>"
        "<CA_CE_CONCESSIONAIRE_PROFILE><ORGANISATION><OFFICIALNAME>Bundesamt für Strassen</OFFICIALNAME>"
        "</ORGANISATION><CONTACT_POINT>Max Muster</CONTACT_POINT></CA_CE_CONCESSIONAIRE_PROFILE>"
        "</NAME_ADDRESSES_CONTACT_CONTRACT_AWARD></CONTRACTING_AUTHORITY_INFORMATION_CONTRACT_AWARD>"
        "<OBJECT_CONTRACT_INFORMATION_CONTRACT_AWARD_NOTICE><DESCRIPTION_AWARD_NOTICE_INFORMATION>"
        "<TITLE_CONTRACT><P>Videoüberwachung Tunnel, Los 201</P></TITLE_CONTRACT>"
        "<SHORT_CONTRACT_DESCRIPTION><P>Kameras und Leitsystem für den Tunnel.</P>"
        "</SHORT_CONTRACT_DESCRIPTION>"
        "</DESCRIPTION_AWARD_NOTICE_INFORMATION></OBJECT_CONTRACT_INFORMATION_CONTRACT_AWARD_NOTICE>"
        "<AWARD_OF_CONTRACT><CONTRACT_NUMBER>201</CONTRACT_NUMBER>"
        "<ECONOMIC_OPERATOR_NAME_ADDRESS><CONTACT_DATA_WITHOUT_RESPONSIBLE_NAME><ORGANISATION>"
        "<OFFICIALNAME>Tunnel Video AG</OFFICIALNAME></ORGANISATION></CONTACT_DATA_WITHOUT_RESPONSIBLE_NAME>"
        "</ECONOMIC_OPERATOR_NAME_ADDRESS><CONTRACT_VALUE_INFORMATION>"
        '<COSTS_RANGE_AND_CURRENCY_WITH_VAT_RATE CURRENCY="CHF">'
        "<VALUE_COST>1\u202f945\u202f844,15</VALUE_COST>"
        "</COSTS_RANGE_AND_CURRENCY_WITH_VAT_RATE></CONTRACT_VALUE_INFORMATION></AWARD_OF_CONTRACT>"
        "</FD_CONTRACT_AWARD></CONTRACT_AWARD></FORM_SECTION></TED_EXPORT>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE TED_EXPORT [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
    b"<TED_EXPORT "
    b'xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9/publication">&c;</TED_EXPORT>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE ContractNotice [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b"<ContractNotice "
    b'xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2">&x;</ContractNotice>'
)
