import re,sys,bisect
ev=[]
for l in open(sys.argv[1]):
    m=re.match(r'\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)',l)
    if not m: continue
    ev.append((float(m.group(4))*1e6, m.group(1), m.group(3), m.group(5), m.group(6)))
ends=[e[0] for e in ev if e[3]=='syscalls:sys_exit_writev' and e[4].startswith('0xfed6')]
gaps=sorted((ends[i]-ends[i-1], ends[i-1]) for i in range(1,len(ends)))
n=len(gaps); print('echoes',n,'p50',gaps[n//2][0],'p90',gaps[int(n*.9)][0],'mean',sum(g for g,_ in gaps)/n)
slow=[g for g in gaps if g[0]>400]
print('slow',len(slow),'sum',sum(g for g,_ in slow), 'total', sum(g for g,_ in gaps))
ts=[e[0] for e in ev]
for g,t0 in slow[-int(sys.argv[2]):]:
    print('=== gap',g)
    i=bisect.bisect_left(ts,t0); j=bisect.bisect_left(ts,t0+g)
    for e in ev[i:j+1]:
        if e[3]=='syscalls:sys_exit_readv' and e[4].startswith('0xffff'): continue
        if e[3]=='syscalls:sys_enter_readv': continue
        print('%9.1f %-16s %s %-28s %s'%(e[0]-t0,e[1][:16],e[2],e[3][:28],e[4][:110]))
