<?xml version="1.0" encoding="UTF-8"?>
<!--
  Dagtilbud, the archival version's table for Rigsarkivet: Tables/table1/table1.xml of the
  archival version (arkiveringsversion, bek. nr. 128 af 12. februar 2020) that profile
  deliveries/daycare/rigsarkivet.json makes, as XSLT 1.0 for xsltproc (libxslt).

  Run with xsltproc and the string parameters municipality and period (bench/xsltproc.ts).

  In: a daycare delivery (schemas/daycare.json). Out: <table> in the namespace
  http://www.sa.dk/xmlns/siard/1.0/schema0/table1.xsd, one <row> per Enrolment in the
  delivery's order, its columns as tableIndex names them:
    c1 raekkenummer (the row's number, from 1), c2 kommunekode, c3 periode, c4 cprnummer,
    c5 institution_pnummer, c6 institutionsnavn, c7 pasningstype, c8 startdato,
    c9 slutdato, c10 ugentlige_timer, c11 privat_leverandoer
  dates as xs:date (YYYY-MM-DD), ugentlige_timer as xs:decimal without trailing zeros
  (47.0 is written 47), privat_leverandoer as xs:boolean (true/false), and a value the
  record lacks (or leaves empty) as <cN xsi:nil="true"/>. Values lose XML whitespace at both
  ends, as the dataset's "whitespace": "trim" has it.

  Where it differs from the gateway:
  - It makes the table only. The gateway's extract is a zip of the whole archival version
    (folder AVID.SA.<number>.1): Indices/archiveIndex.xml, contextDocumentationIndex.xml,
    tableIndex.xml (with the row count and the longest text of each column, which it keeps
    while it writes the table) and fileIndex.xml (the MD5 of every file), the table's own
    XSD, the official schemas, and the context documentation as TIFF pages. Packing, MD5s,
    TIFFs and the indices are not XSLT's job: a vendor does them with other tools around it.
  - Municipality and period are not in the delivery file: they are the parameters
    `municipality` and `period` (or the root's attributes of the same names, when present).
  - It validates nothing: it assumes a valid delivery (the gateway rejects an invalid one).
  - It reads the whole delivery into memory (libxml2's tree) before it writes; the gateway
    streams.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:d="urn:flis-gateway:daycare:1"
  xmlns="http://www.sa.dk/xmlns/siard/1.0/schema0/table1.xsd"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  exclude-result-prefixes="d">

  <xsl:output method="xml" encoding="utf-8" indent="no"/>

  <xsl:param name="municipality" select="normalize-space(/d:Delivery/@municipality)"/>
  <xsl:param name="period" select="normalize-space(/d:Delivery/@period)"/>

  <xsl:template match="/">
    <xsl:if test="$municipality = '' or $period = ''">
      <xsl:message terminate="yes">archival.xsl: give the delivery's municipality and period (--stringparam municipality 101 --stringparam period 2026-10)</xsl:message>
    </xsl:if>
    <table xsi:schemaLocation="http://www.sa.dk/xmlns/siard/1.0/schema0/table1.xsd table1.xsd">
      <xsl:text>&#10;</xsl:text>
      <xsl:for-each select="d:Delivery/d:Enrolment">
        <row>
          <c1><xsl:value-of select="position()"/></c1>
          <c2><xsl:value-of select="$municipality"/></c2>
          <c3><xsl:value-of select="$period"/></c3>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c4'"/>
            <xsl:with-param name="v" select="normalize-space(d:Cpr)"/>
          </xsl:call-template>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c5'"/>
            <xsl:with-param name="v" select="normalize-space(d:InstitutionId)"/>
          </xsl:call-template>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c6'"/>
            <xsl:with-param name="v">
              <xsl:call-template name="trim">
                <xsl:with-param name="s" select="string(d:InstitutionName)"/>
              </xsl:call-template>
            </xsl:with-param>
          </xsl:call-template>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c7'"/>
            <xsl:with-param name="v" select="normalize-space(d:CareType)"/>
          </xsl:call-template>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c8'"/>
            <xsl:with-param name="v" select="normalize-space(d:StartDate)"/>
          </xsl:call-template>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c9'"/>
            <xsl:with-param name="v" select="normalize-space(d:EndDate)"/>
          </xsl:call-template>
          <xsl:variable name="hours" select="normalize-space(d:WeeklyHours)"/>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c10'"/>
            <xsl:with-param name="v">
              <xsl:if test="$hours != ''"><xsl:value-of select="number($hours)"/></xsl:if>
            </xsl:with-param>
          </xsl:call-template>
          <xsl:variable name="private" select="normalize-space(d:PrivateProvider)"/>
          <xsl:call-template name="column">
            <xsl:with-param name="name" select="'c11'"/>
            <xsl:with-param name="v">
              <xsl:choose>
                <xsl:when test="$private = 'true' or $private = '1'">true</xsl:when>
                <xsl:when test="$private = 'false' or $private = '0'">false</xsl:when>
              </xsl:choose>
            </xsl:with-param>
          </xsl:call-template>
        </row>
        <xsl:text>&#10;</xsl:text>
      </xsl:for-each>
    </table>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- One column of a row: the value, or xsi:nil when there is none. -->
  <xsl:template name="column">
    <xsl:param name="name"/>
    <xsl:param name="v"/>
    <xsl:element name="{$name}">
      <xsl:choose>
        <xsl:when test="string($v) = ''">
          <xsl:attribute name="xsi:nil">true</xsl:attribute>
        </xsl:when>
        <xsl:otherwise><xsl:value-of select="$v"/></xsl:otherwise>
      </xsl:choose>
    </xsl:element>
  </xsl:template>

  <!-- XML whitespace (space, TAB, CR, LF) removed at both ends, inner whitespace kept. -->
  <xsl:template name="trim">
    <xsl:param name="s"/>
    <xsl:variable name="n" select="normalize-space($s)"/>
    <xsl:choose>
      <xsl:when test="$n = $s"><xsl:value-of select="$s"/></xsl:when>
      <xsl:when test="$n = ''"/>
      <xsl:otherwise>
        <!-- Everything before the first occurrence of the first non-space character is space. -->
        <xsl:call-template name="trim-end">
          <xsl:with-param name="s" select="concat(substring($n, 1, 1), substring-after($s, substring($n, 1, 1)))"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="trim-end">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="translate(substring($s, string-length($s)), ' &#9;&#10;&#13;', '') = ''">
        <xsl:call-template name="trim-end">
          <xsl:with-param name="s" select="substring($s, 1, string-length($s) - 1)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
