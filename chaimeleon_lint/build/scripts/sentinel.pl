# Answers every DNS question with "no such name" and accepts TCP on the usual ports, printing
# each attempt to stderr: with `--network none --dns 127.0.0.1`, every try to reach the
# network passes here, even when the application catches the error and carries on.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my @listen;
my $dns = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 53, Proto => 'udp');
push @listen, $dns if $dns;
for my $port (80, 443, 21, 22, 3128, 3141, 8080) {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 8, ReuseAddr => 1);
    push @listen, $s if $s;
}
$| = 1;
print STDERR "chaimeleon-lint-net ready\n";
my $select = IO::Select->new(@listen);
while (1) {
    for my $s ($select->can_read) {
        if ($dns && $s == $dns) {
            my $query;
            $s->recv($query, 512) or next;
            next if length($query) < 12;
            my ($pos, @labels) = (12);
            while ($pos < length($query)) {
                my $len = ord(substr($query, $pos, 1));
                last if $len == 0 || $len >= 192;
                push @labels, substr($query, $pos + 1, $len);
                $pos += $len + 1;
            }
            my $name = join('.', @labels);
            print STDERR "chaimeleon-lint-net dns $name\n" unless $name =~ /^localhost\.?$/i;
            my $answer = substr($query, 0, 2) . pack('n', 0x8183) . substr($query, 4, 2) . pack('nnn', 0, 0, 0)
                . substr($query, 12);
            $s->send($answer);
        } else {
            my $client = $s->accept or next;
            print STDERR "chaimeleon-lint-net tcp " . $s->sockport . "\n";
            close $client;
        }
    }
}
