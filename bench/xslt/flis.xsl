<?xml version="1.0" encoding="UTF-8"?>
<!--
  Dagtilbud, pseudonymised, for FLIS (the municipalities' key-figure warehouse): the extract of
  profile deliveries/daycare/flis.json, as XSLT 1.0 + EXSLT (crypto:sha1) for xsltproc
  (libxslt, libexslt built with libgcrypt).

  Run with xsltproc and the string parameters municipality, period, deliveryId and
  pseudonymKey (bench/xsltproc.ts).

  In: a daycare delivery (schemas/daycare.json). Out: NDJSON in UTF-8, one object per
  Enrolment in the delivery's order, LF after each, keys in this order:
    personPseudonym, municipality, period, institutionId, institutionName, careType,
    startDate, endDate, weeklyHours, privateProvider, deliveryId
  weeklyHours a JSON number (47.0 is written 47), privateProvider a JSON boolean, every other
  value a string; a field the record lacks (or leaves empty) gives no key. Values lose XML
  whitespace at both ends, as the dataset's "whitespace": "trim" has it.

  Where it differs from the gateway:
  - The pseudonym. The gateway writes HMAC-SHA256 of the CPR number under the recipient's
    secret key (64 hex digits). XSLT 1.0 has no HMAC and libexslt no SHA-256: its digests
    are crypto:md4, crypto:md5 and crypto:sha1 of a string's UTF-8 bytes, as hex text, so
    HMAC's inner digest (bytes) cannot be fed to its outer one. This stylesheet writes
    SHA-1 of the key followed by the CPR number (a secret-prefix keyed digest, 40 hex
    digits): the same CPR number always gives the same pseudonym under one key, different
    numbers give different ones, and no one without the key can compute one. It is weaker
    than HMAC-SHA256 (SHA-1, and a construction open to length extension, harmless here
    only because every input is 10 digits) and never equal to the gateway's pseudonym.
  - The key is a string parameter, so it stands on xsltproc's command line, where any user
    of the machine can read it (ps, /proc); the gateway reads its keys from configuration.
    It refuses to run without one rather than write unkeyed hashes.
  - Municipality, period and the delivery's id are not in the delivery file: they are
    parameters (municipality and period may also come from the root's attributes).
  - It validates nothing: it assumes a valid delivery (the gateway rejects an invalid one).
  - It reads the whole delivery into memory (libxml2's tree) before it writes; the gateway
    streams.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:d="urn:flis-gateway:daycare:1"
  xmlns:crypto="http://exslt.org/crypto"
  extension-element-prefixes="crypto"
  exclude-result-prefixes="d">

  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:param name="municipality" select="normalize-space(/d:Delivery/@municipality)"/>
  <xsl:param name="period" select="normalize-space(/d:Delivery/@period)"/>
  <xsl:param name="deliveryId" select="''"/>
  <xsl:param name="pseudonymKey" select="''"/>

  <!-- What every line shares, written as JSON once. -->
  <xsl:variable name="delivery-facts">
    <xsl:text>,"municipality":"</xsl:text>
    <xsl:call-template name="json-text"><xsl:with-param name="s" select="$municipality"/></xsl:call-template>
    <xsl:text>","period":"</xsl:text>
    <xsl:call-template name="json-text"><xsl:with-param name="s" select="$period"/></xsl:call-template>
    <xsl:text>"</xsl:text>
  </xsl:variable>
  <xsl:variable name="delivery-id">
    <xsl:text>,"deliveryId":"</xsl:text>
    <xsl:call-template name="json-text"><xsl:with-param name="s" select="$deliveryId"/></xsl:call-template>
    <xsl:text>"}&#10;</xsl:text>
  </xsl:variable>

  <xsl:template match="/">
    <xsl:if test="$municipality = '' or $period = '' or $deliveryId = ''">
      <xsl:message terminate="yes">flis.xsl: give the delivery's municipality, period and id (--stringparam municipality 101 --stringparam period 2026-10 --stringparam deliveryId ...)</xsl:message>
    </xsl:if>
    <xsl:if test="string-length($pseudonymKey) &lt; 32">
      <xsl:message terminate="yes">flis.xsl: give the pseudonymisation key, 32 characters at least (--stringparam pseudonymKey ...)</xsl:message>
    </xsl:if>
    <!--
      Each line is built in an element of its own, which the text output method leaves out.
      libxslt appends to the last text node cheaply only while nothing else (a variable's
      tree) was built in between; otherwise each append goes over the whole node, so one text
      node for the whole file takes time quadratic in the records (21.7 s for 40,000 records,
      0.6 s so).
    -->
    <xsl:for-each select="d:Delivery/d:Enrolment">
      <line>
        <xsl:text>{</xsl:text>
        <xsl:variable name="cpr" select="normalize-space(d:Cpr)"/>
        <xsl:if test="$cpr != ''">
          <xsl:value-of select="concat('&quot;personPseudonym&quot;:&quot;', crypto:sha1(concat($pseudonymKey, $cpr)), '&quot;')"/>
        </xsl:if>
        <xsl:value-of select="$delivery-facts"/>
        <xsl:variable name="pnr" select="normalize-space(d:InstitutionId)"/>
        <xsl:if test="$pnr != ''">
          <xsl:value-of select="concat(',&quot;institutionId&quot;:&quot;', $pnr, '&quot;')"/>
        </xsl:if>
        <xsl:variable name="name">
          <xsl:call-template name="trim">
            <xsl:with-param name="s" select="string(d:InstitutionName)"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:if test="$name != ''">
          <xsl:text>,"institutionName":"</xsl:text>
          <xsl:call-template name="json-text"><xsl:with-param name="s" select="$name"/></xsl:call-template>
          <xsl:text>"</xsl:text>
        </xsl:if>
        <xsl:variable name="care" select="normalize-space(d:CareType)"/>
        <xsl:if test="$care != ''">
          <xsl:value-of select="concat(',&quot;careType&quot;:&quot;', $care, '&quot;')"/>
        </xsl:if>
        <xsl:variable name="start" select="normalize-space(d:StartDate)"/>
        <xsl:if test="$start != ''">
          <xsl:value-of select="concat(',&quot;startDate&quot;:&quot;', $start, '&quot;')"/>
        </xsl:if>
        <xsl:variable name="end" select="normalize-space(d:EndDate)"/>
        <xsl:if test="$end != ''">
          <xsl:value-of select="concat(',&quot;endDate&quot;:&quot;', $end, '&quot;')"/>
        </xsl:if>
        <xsl:variable name="hours" select="normalize-space(d:WeeklyHours)"/>
        <xsl:if test="$hours != ''">
          <xsl:value-of select="concat(',&quot;weeklyHours&quot;:', number($hours))"/>
        </xsl:if>
        <xsl:variable name="private" select="normalize-space(d:PrivateProvider)"/>
        <xsl:choose>
          <xsl:when test="$private = 'true' or $private = '1'">,"privateProvider":true</xsl:when>
          <xsl:when test="$private = 'false' or $private = '0'">,"privateProvider":false</xsl:when>
        </xsl:choose>
        <xsl:value-of select="$delivery-id"/>
      </line>
    </xsl:for-each>
  </xsl:template>

  <!-- Text inside a JSON string: \ " TAB LF CR escaped (XML carries no other control character). -->
  <xsl:template name="json-text">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="translate($s, '\&quot;&#9;&#10;&#13;', '') = $s"><xsl:value-of select="$s"/></xsl:when>
      <xsl:otherwise>
        <xsl:variable name="backslash">
          <xsl:call-template name="replace">
            <xsl:with-param name="s" select="$s"/>
            <xsl:with-param name="from" select="'\'"/>
            <xsl:with-param name="to" select="'\\'"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:variable name="quote">
          <xsl:call-template name="replace">
            <xsl:with-param name="s" select="string($backslash)"/>
            <xsl:with-param name="from" select="'&quot;'"/>
            <xsl:with-param name="to" select="'\&quot;'"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:variable name="tab">
          <xsl:call-template name="replace">
            <xsl:with-param name="s" select="string($quote)"/>
            <xsl:with-param name="from" select="'&#9;'"/>
            <xsl:with-param name="to" select="'\t'"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:variable name="lf">
          <xsl:call-template name="replace">
            <xsl:with-param name="s" select="string($tab)"/>
            <xsl:with-param name="from" select="'&#10;'"/>
            <xsl:with-param name="to" select="'\n'"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:call-template name="replace">
          <xsl:with-param name="s" select="string($lf)"/>
          <xsl:with-param name="from" select="'&#13;'"/>
          <xsl:with-param name="to" select="'\r'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="s"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($s, $from)">
        <xsl:value-of select="concat(substring-before($s, $from), $to)"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="s" select="substring-after($s, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
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
