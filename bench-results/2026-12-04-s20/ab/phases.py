import sys,re,collections
rows=[]
for l in open(sys.argv[1]):
    m=re.match(r'(\d+\.\d+) IP (\S+) > (\S+): Flags \[(\S+)\].*length (\d+)',l)
    if not m: continue
    t=float(m.group(1)); src='C' if m.group(2).startswith('10.0.0.1.') else 'S'
    rows.append((t,src+str(int(m.group(5)))))
d=collections.defaultdict(list)
for i in range(1,len(rows)):
    d[(rows[i-1][1],rows[i][1])].append((rows[i][0]-rows[i-1][0])*1e6)
span=(rows[-1][0]-rows[0][0])*1e6
for k,v in sorted(d.items(), key=lambda kv:-sum(kv[1])):
    v.sort()
    print('%-22s n=%5d sum%%=%5.1f mean=%7.1f p50=%6.1f p90=%7.1f' % ('->'.join(k), len(v), 100*sum(v)/span, sum(v)/len(v), v[len(v)//2], v[int(len(v)*.9)]))
