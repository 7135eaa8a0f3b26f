<?xml version="1.0" encoding="UTF-8"?>
<!--
  Børn i dagtilbud, record level, for Danmarks Statistik: the extract of profile
  deliveries/daycare/dst.json, as XSLT 1.0 for xsltproc (libxslt).

  Run with xsltproc and the string parameters municipality and period (bench/xsltproc.ts).

  In: a daycare delivery (schemas/daycare.json), root {urn:flis-gateway:daycare:1}Delivery,
  one Enrolment per record. Out: <Boernepasning xmlns="urn:dst:boernepasning:1">, one <Barn>
  per Enrolment in the delivery's order, one child element per column of the profile:
  Kommunekode, Periode, CPRNummer, InstitutionPNummer, InstitutionNavn, PasningsTypeKode
  (dagpleje 01, vuggestue 02, boernehave 03, integreret 04), StartDato and SlutDato as
  YYYYMMDD, UgentligeTimer with two decimals, PrivatLeverandoer (true/false). A field the
  record lacks (or leaves empty) gives no element. Values lose XML whitespace at both ends,
  as the dataset's "whitespace": "trim" has it.

  Where it differs from the gateway:
  - Municipality and period are not in the delivery file: they are the parameters
    `municipality` and `period` (or the root's attributes of the same names, when present).
  - It validates nothing. The gateway checks every record against schemas/daycare.json and
    rejects the delivery when any record is invalid; this stylesheet assumes a valid delivery
    (a care type outside the code list stops it, as the gateway's mapping would).
  - It reads the whole delivery into memory (libxml2's tree) before it writes; the gateway
    streams.
  - Text escaping: libxslt escapes only what XML requires; the gateway also writes " and ' as
    references. The parsed content is the same.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:d="urn:flis-gateway:daycare:1"
  xmlns="urn:dst:boernepasning:1"
  exclude-result-prefixes="d">

  <xsl:output method="xml" encoding="UTF-8" indent="no"/>

  <xsl:param name="municipality" select="normalize-space(/d:Delivery/@municipality)"/>
  <xsl:param name="period" select="normalize-space(/d:Delivery/@period)"/>

  <xsl:template match="/">
    <xsl:if test="$municipality = '' or $period = ''">
      <xsl:message terminate="yes">dst.xsl: give the delivery's municipality and period (--stringparam municipality 101 --stringparam period 2026-10)</xsl:message>
    </xsl:if>
    <Boernepasning>
      <xsl:text>&#10;</xsl:text>
      <xsl:for-each select="d:Delivery/d:Enrolment">
        <Barn>
          <Kommunekode><xsl:value-of select="$municipality"/></Kommunekode>
          <Periode><xsl:value-of select="$period"/></Periode>
          <xsl:variable name="cpr" select="normalize-space(d:Cpr)"/>
          <xsl:if test="$cpr != ''">
            <CPRNummer><xsl:value-of select="$cpr"/></CPRNummer>
          </xsl:if>
          <xsl:variable name="pnr" select="normalize-space(d:InstitutionId)"/>
          <xsl:if test="$pnr != ''">
            <InstitutionPNummer><xsl:value-of select="$pnr"/></InstitutionPNummer>
          </xsl:if>
          <xsl:variable name="name">
            <xsl:call-template name="trim">
              <xsl:with-param name="s" select="string(d:InstitutionName)"/>
            </xsl:call-template>
          </xsl:variable>
          <xsl:if test="$name != ''">
            <InstitutionNavn><xsl:value-of select="$name"/></InstitutionNavn>
          </xsl:if>
          <xsl:variable name="care" select="normalize-space(d:CareType)"/>
          <xsl:if test="$care != ''">
            <PasningsTypeKode>
              <xsl:choose>
                <xsl:when test="$care = 'dagpleje'">01</xsl:when>
                <xsl:when test="$care = 'vuggestue'">02</xsl:when>
                <xsl:when test="$care = 'boernehave'">03</xsl:when>
                <xsl:when test="$care = 'integreret'">04</xsl:when>
                <xsl:otherwise>
                  <xsl:message terminate="yes">dst.xsl: no code for care type '<xsl:value-of select="$care"/>'</xsl:message>
                </xsl:otherwise>
              </xsl:choose>
            </PasningsTypeKode>
          </xsl:if>
          <xsl:variable name="start" select="normalize-space(d:StartDate)"/>
          <xsl:if test="$start != ''">
            <StartDato><xsl:value-of select="concat(substring($start, 1, 4), substring($start, 6, 2), substring($start, 9, 2))"/></StartDato>
          </xsl:if>
          <xsl:variable name="end" select="normalize-space(d:EndDate)"/>
          <xsl:if test="$end != ''">
            <SlutDato><xsl:value-of select="concat(substring($end, 1, 4), substring($end, 6, 2), substring($end, 9, 2))"/></SlutDato>
          </xsl:if>
          <xsl:variable name="hours" select="normalize-space(d:WeeklyHours)"/>
          <xsl:if test="$hours != ''">
            <UgentligeTimer><xsl:value-of select="format-number($hours, '0.00')"/></UgentligeTimer>
          </xsl:if>
          <xsl:variable name="private" select="normalize-space(d:PrivateProvider)"/>
          <xsl:choose>
            <xsl:when test="$private = 'true' or $private = '1'">
              <PrivatLeverandoer>true</PrivatLeverandoer>
            </xsl:when>
            <xsl:when test="$private = 'false' or $private = '0'">
              <PrivatLeverandoer>false</PrivatLeverandoer>
            </xsl:when>
          </xsl:choose>
        </Barn>
        <xsl:text>&#10;</xsl:text>
      </xsl:for-each>
    </Boernepasning>
    <xsl:text>&#10;</xsl:text>
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
