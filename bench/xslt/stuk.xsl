<?xml version="1.0" encoding="UTF-8"?>
<!--
  Antal børn og gennemsnitlig ugentlig tid pr. pasningstype, for STUK: the extract of profile
  deliveries/daycare/stuk.json, as XSLT 1.0 + EXSLT (exsl:node-set) for xsltproc (libxslt).

  Run with xsltproc and the string parameters municipality and period (bench/xsltproc.ts).

  In: a daycare delivery (schemas/daycare.json). Out: CSV in ISO-8859-1, ";" between cells,
  CRLF after each line, a header line, cells quoted only when they must be:
    kommunekode;kommunenavn;pasningstype;antal_børn;gns_ugentlige_timer;undertrykt
  one line per care type present in the delivery, sorted by care type: the municipality's
  code and name, the number of enrolments, their mean weekly hours rounded to one decimal
  (half up) with a decimal comma, and undertrykt 0. Small-cell suppression: a care type with
  fewer than 5 enrolments has both measures left blank and undertrykt 1 (primary); and when
  exactly one row is so blanked among two or more, the row with the smallest count of the
  others (the first in sort order on a tie) is blanked too (secondary), so that the blanked
  count cannot be worked out from the delivery's total.

  Where it differs from the gateway:
  - Municipality and period are not in the delivery file: they are the parameters
    `municipality` and `period` (or the root's attributes of the same names, when present).
    The municipality's name comes from the list of the 98 municipalities kept at the end of
    this stylesheet, which must be kept in step with src/core/municipalities.ts.
  - Secondary suppression: the gateway's rule works over every line of cells that differ in
    one grouping column, repeated until nothing changes. A delivery is one municipality, so
    its cells differ only in the care type and form one line with the grand total; the rule
    then comes down to the one step above, which is all this stylesheet does. Over a file of
    several municipalities it would not be the same rule.
  - It validates nothing: it assumes a valid delivery (the gateway rejects an invalid one).
  - It reads the whole delivery into memory (libxml2's tree) and selects the records of each
    care type of the code list kept below (which must be kept in step with
    schemas/daycare.json) in a pass of its own; the gateway streams the records into running
    counts. The usual XSLT 1.0 grouping (Muenchian: xsl:key, and one key() lookup per record
    to find each group's first) costs libxslt a copy of the group's node-set per record and
    ran for over 19 minutes on 1,000,000 records without finishing; a key over the code list
    took about 50 s of CPU, superlinear in the records, against about 8 s for these passes.
  - A character ISO-8859-1 cannot hold is written by libxml2 as a character reference; the
    gateway refuses to make the extract. The 98 names and the care types are all Latin-1.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:d="urn:flis-gateway:daycare:1"
  xmlns:exsl="http://exslt.org/common"
  xmlns:m="urn:vendor:code-lists"
  extension-element-prefixes="exsl"
  exclude-result-prefixes="d m">

  <xsl:output method="text" encoding="ISO-8859-1"/>

  <xsl:param name="municipality" select="normalize-space(/d:Delivery/@municipality)"/>
  <xsl:param name="period" select="normalize-space(/d:Delivery/@period)"/>
  <!-- Cells counting fewer records than this are suppressed. -->
  <xsl:param name="below" select="5"/>

  <xsl:variable name="CRLF" select="'&#13;&#10;'"/>

  <xsl:template match="/">
    <xsl:if test="$municipality = '' or $period = ''">
      <xsl:message terminate="yes">stuk.xsl: give the delivery's municipality and period (--stringparam municipality 101 --stringparam period 2026-10)</xsl:message>
    </xsl:if>
    <xsl:variable name="municipality-name" select="string(document('')/*/m:municipality[@code = $municipality]/@name)"/>
    <xsl:if test="$municipality-name = ''">
      <xsl:message terminate="yes">stuk.xsl: <xsl:value-of select="$municipality"/> is not one of the 98 municipality codes</xsl:message>
    </xsl:if>

    <!--
      One cell per care type present, in sort order: its count and its rounded mean. The care
      types are the code list of schemas/daycare.json, kept below: one pass over the records
      for each.
    -->
    <xsl:variable name="enrolments" select="d:Delivery/d:Enrolment"/>
    <xsl:variable name="cells-tree">
      <xsl:for-each select="document('')/*/m:care-type">
        <xsl:sort select="@code" data-type="text" order="ascending"/>
        <xsl:variable name="code" select="string(@code)"/>
        <xsl:variable name="members" select="$enrolments[normalize-space(d:CareType) = $code]"/>
        <xsl:variable name="n" select="count($members)"/>
        <xsl:if test="$n &gt; 0">
          <cell care-type="{$code}" n="{$n}"
            mean="{translate(format-number(round(sum($members/d:WeeklyHours) div $n * 10) div 10, '0.0'), '.', ',')}"/>
        </xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="cells" select="exsl:node-set($cells-tree)/cell"/>
    <xsl:if test="sum($cells/@n) != count($enrolments)">
      <xsl:message terminate="yes">stuk.xsl: a care type outside the code list (<xsl:value-of select="count($enrolments) - sum($cells/@n)"/> records)</xsl:message>
    </xsl:if>
    <xsl:variable name="open" select="$cells[@n &gt;= $below]"/>
    <xsl:variable name="secondary">
      <xsl:if test="count($cells) &gt; 1 and count($cells) - count($open) = 1">
        <xsl:value-of select="generate-id($open[not(@n &gt; $open/@n)][1])"/>
      </xsl:if>
    </xsl:variable>

    <xsl:text>kommunekode;kommunenavn;pasningstype;antal_børn;gns_ugentlige_timer;undertrykt</xsl:text>
    <xsl:value-of select="$CRLF"/>
    <xsl:for-each select="$cells">
      <xsl:call-template name="cell"><xsl:with-param name="v" select="$municipality"/></xsl:call-template>
      <xsl:text>;</xsl:text>
      <xsl:call-template name="cell"><xsl:with-param name="v" select="$municipality-name"/></xsl:call-template>
      <xsl:text>;</xsl:text>
      <xsl:call-template name="cell"><xsl:with-param name="v" select="@care-type"/></xsl:call-template>
      <xsl:choose>
        <xsl:when test="@n &lt; $below or generate-id() = $secondary">;;;1</xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="concat(';', @n, ';', @mean, ';0')"/>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:value-of select="$CRLF"/>
    </xsl:for-each>
  </xsl:template>

  <!--
    A text cell: with a leading ' when it begins as a spreadsheet formula would (= + - @ TAB
    CR), and in double quotes (doubled inside) when it holds ; " CR or LF or has space at
    either end.
  -->
  <xsl:template name="cell">
    <xsl:param name="v"/>
    <xsl:variable name="s">
      <xsl:if test="contains('=+-@&#9;&#13;', substring($v, 1, 1)) and $v != ''">'</xsl:if>
      <xsl:value-of select="$v"/>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="translate($s, ';&quot;&#13;&#10;', '') != $s or ($v != '' and (normalize-space(substring($v, 1, 1)) = '' or normalize-space(substring($v, string-length($v))) = ''))">
        <xsl:text>"</xsl:text>
        <xsl:call-template name="replace">
          <xsl:with-param name="s" select="$s"/>
          <xsl:with-param name="from" select="'&quot;'"/>
          <xsl:with-param name="to" select="'&quot;&quot;'"/>
        </xsl:call-template>
        <xsl:text>"</xsl:text>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
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

  <!-- The care types: the code list of careType in schemas/daycare.json. -->
  <m:care-type code="dagpleje"/>
  <m:care-type code="vuggestue"/>
  <m:care-type code="boernehave"/>
  <m:care-type code="integreret"/>

  <!-- The 98 municipalities: code and name, as in src/core/municipalities.ts. -->
  <m:municipality code="101" name="København"/>
  <m:municipality code="147" name="Frederiksberg"/>
  <m:municipality code="151" name="Ballerup"/>
  <m:municipality code="153" name="Brøndby"/>
  <m:municipality code="155" name="Dragør"/>
  <m:municipality code="157" name="Gentofte"/>
  <m:municipality code="159" name="Gladsaxe"/>
  <m:municipality code="161" name="Glostrup"/>
  <m:municipality code="163" name="Herlev"/>
  <m:municipality code="165" name="Albertslund"/>
  <m:municipality code="167" name="Hvidovre"/>
  <m:municipality code="169" name="Høje-Taastrup"/>
  <m:municipality code="173" name="Lyngby-Taarbæk"/>
  <m:municipality code="175" name="Rødovre"/>
  <m:municipality code="183" name="Ishøj"/>
  <m:municipality code="185" name="Tårnby"/>
  <m:municipality code="187" name="Vallensbæk"/>
  <m:municipality code="190" name="Furesø"/>
  <m:municipality code="201" name="Allerød"/>
  <m:municipality code="210" name="Fredensborg"/>
  <m:municipality code="217" name="Helsingør"/>
  <m:municipality code="219" name="Hillerød"/>
  <m:municipality code="223" name="Hørsholm"/>
  <m:municipality code="230" name="Rudersdal"/>
  <m:municipality code="240" name="Egedal"/>
  <m:municipality code="250" name="Frederikssund"/>
  <m:municipality code="253" name="Greve"/>
  <m:municipality code="259" name="Køge"/>
  <m:municipality code="260" name="Halsnæs"/>
  <m:municipality code="265" name="Roskilde"/>
  <m:municipality code="269" name="Solrød"/>
  <m:municipality code="270" name="Gribskov"/>
  <m:municipality code="306" name="Odsherred"/>
  <m:municipality code="316" name="Holbæk"/>
  <m:municipality code="320" name="Faxe"/>
  <m:municipality code="326" name="Kalundborg"/>
  <m:municipality code="329" name="Ringsted"/>
  <m:municipality code="330" name="Slagelse"/>
  <m:municipality code="336" name="Stevns"/>
  <m:municipality code="340" name="Sorø"/>
  <m:municipality code="350" name="Lejre"/>
  <m:municipality code="360" name="Lolland"/>
  <m:municipality code="370" name="Næstved"/>
  <m:municipality code="376" name="Guldborgsund"/>
  <m:municipality code="390" name="Vordingborg"/>
  <m:municipality code="400" name="Bornholm"/>
  <m:municipality code="410" name="Middelfart"/>
  <m:municipality code="420" name="Assens"/>
  <m:municipality code="430" name="Faaborg-Midtfyn"/>
  <m:municipality code="440" name="Kerteminde"/>
  <m:municipality code="450" name="Nyborg"/>
  <m:municipality code="461" name="Odense"/>
  <m:municipality code="479" name="Svendborg"/>
  <m:municipality code="480" name="Nordfyns"/>
  <m:municipality code="482" name="Langeland"/>
  <m:municipality code="492" name="Ærø"/>
  <m:municipality code="510" name="Haderslev"/>
  <m:municipality code="530" name="Billund"/>
  <m:municipality code="540" name="Sønderborg"/>
  <m:municipality code="550" name="Tønder"/>
  <m:municipality code="561" name="Esbjerg"/>
  <m:municipality code="563" name="Fanø"/>
  <m:municipality code="573" name="Varde"/>
  <m:municipality code="575" name="Vejen"/>
  <m:municipality code="580" name="Aabenraa"/>
  <m:municipality code="607" name="Fredericia"/>
  <m:municipality code="615" name="Horsens"/>
  <m:municipality code="621" name="Kolding"/>
  <m:municipality code="630" name="Vejle"/>
  <m:municipality code="657" name="Herning"/>
  <m:municipality code="661" name="Holstebro"/>
  <m:municipality code="665" name="Lemvig"/>
  <m:municipality code="671" name="Struer"/>
  <m:municipality code="706" name="Syddjurs"/>
  <m:municipality code="707" name="Norddjurs"/>
  <m:municipality code="710" name="Favrskov"/>
  <m:municipality code="727" name="Odder"/>
  <m:municipality code="730" name="Randers"/>
  <m:municipality code="740" name="Silkeborg"/>
  <m:municipality code="741" name="Samsø"/>
  <m:municipality code="746" name="Skanderborg"/>
  <m:municipality code="751" name="Aarhus"/>
  <m:municipality code="756" name="Ikast-Brande"/>
  <m:municipality code="760" name="Ringkøbing-Skjern"/>
  <m:municipality code="766" name="Hedensted"/>
  <m:municipality code="773" name="Morsø"/>
  <m:municipality code="779" name="Skive"/>
  <m:municipality code="787" name="Thisted"/>
  <m:municipality code="791" name="Viborg"/>
  <m:municipality code="810" name="Brønderslev"/>
  <m:municipality code="813" name="Frederikshavn"/>
  <m:municipality code="820" name="Vesthimmerland"/>
  <m:municipality code="825" name="Læsø"/>
  <m:municipality code="840" name="Rebild"/>
  <m:municipality code="846" name="Mariagerfjord"/>
  <m:municipality code="849" name="Jammerbugt"/>
  <m:municipality code="851" name="Aalborg"/>
  <m:municipality code="860" name="Hjørring"/>
</xsl:stylesheet>
